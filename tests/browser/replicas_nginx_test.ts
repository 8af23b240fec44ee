// Issue 21 item 2 in a real browser: two replicas behind nginx round-robin with no stickiness
// (every request may land on either replica; a WebSocket stays where it was upgraded). Two pages
// edit different cells: both pages show both edits. A stale edit of the same cell gets the
// conflict prompt, never a silent overwrite.
// Set STRATA_TEST_SKIP_NGINX=1 to skip when nginx cannot run.
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { natsServerPath } from "../../lib/cluster/_test_nats.ts";
import { freePort } from "../_server.ts";
import { runNginx } from "../_nginx.ts";
import { PROXY_TOKEN, type Replica, withReplicas } from "../_replicas.ts";
import { launchBrowser, screenshot, typeInCell, waitReady, watchErrors } from "./_browser.ts";

const skip = Deno.env.get("STRATA_TEST_SKIP_NGINX") === "1" || natsServerPath() === undefined;

/** nginx in front of every replica: round-robin, no stickiness, no upstream keep-alive. */
async function startRoundRobin(replicas: Replica[]) {
  const prefix = await Deno.makeTempDir({ prefix: "strata-nginx-rr-" });
  await Deno.chmod(prefix, 0o755);
  const port = freePort();
  const conf = `
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 256; }
http {
  log_format up '$request_method $uri $status $upstream_addr';
  access_log ${prefix}/access.log up;
  client_body_temp_path ${prefix}/client_body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  upstream strata {
${replicas.map((r) => `    server 127.0.0.1:${r.port};`).join("\n")}
  }
  map $http_upgrade $connection_upgrade { default upgrade; "" ""; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://strata;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Strata-Proxy-Token "${PROXY_TOKEN}";
      proxy_set_header X-Strata-Principal "demo-user";
      proxy_set_header X-Strata-Scopes "notebook:read notebook:write notebook:execute";
      proxy_set_header X-Tenant-ID "acme";
      proxy_set_header X-Strata-Tenant "";
      proxy_buffering off;
      proxy_read_timeout 600s;
    }
  }
}
`;
  await Deno.writeTextFile(`${prefix}/nginx.conf`, conf);
  const nginx = await runNginx(prefix, [port]);
  return {
    url: `http://127.0.0.1:${port}`,
    accessLog: () => Deno.readTextFile(`${prefix}/access.log`).catch(() => ""),
    async stop() {
      await nginx.stop();
      await Deno.remove(prefix, { recursive: true }).catch(() => {});
    },
  };
}

async function api(base: string, method: string, path: string, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // deno-lint-ignore no-explicit-any -- JSON answers of the API under test
  return { status: res.status, body: await res.json() as any };
}

/** Holds a page's cell saves (PUT .../cells/<id>) until released, to order two pages' saves. */
async function holdSaves(page: Page): Promise<() => void> {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  await page.route(/\/v1\/notebooks\/[^/]+\/cells\/(?!reorder)[^/]+$/, async (route) => {
    if (route.request().method() === "PUT") await gate;
    await route.continue();
  });
  return release;
}

function shows(page: Page, sources: string[]): Promise<unknown> {
  return page.waitForFunction(
    (want) =>
      JSON.stringify(
        [...document.querySelectorAll(".cell .cm-content")].map((e) => e.textContent),
      ) ===
        JSON.stringify(want),
    sources,
    { timeout: 30_000 },
  );
}

Deno.test({
  name: "browser replicas - two pages behind nginx round-robin see each other's edits; a stale " +
    "edit gets the conflict prompt",
  ignore: skip,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withReplicas(2, {}, async (c) => {
      const proxy = await startRoundRobin(c.replicas);
      const browser = await launchBrowser();
      try {
        let r = await api(proxy.url, "POST", "/v1/notebooks/create", {
          name: "Shared",
          path: "shared",
        });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        const sid = r.body.sessionId;
        for (const source of ["const a = 1", "const b = 1"]) {
          r = await api(proxy.url, "POST", `/v1/notebooks/${sid}/cells`, { source });
          assert.equal(r.status, 201, JSON.stringify(r.body));
        }

        const one = await browser.newPage({ viewport: { width: 1100, height: 700 } });
        const two = await browser.newPage({ viewport: { width: 1100, height: 700 } });
        const errors = [...[one, two].map(watchErrors)];
        for (const p of [one, two]) {
          await p.goto(`${proxy.url}/notebooks/shared`);
          await waitReady(p, true);
        }

        // Different cells from the two pages: both pages end with both edits.
        await typeInCell(one, 0, "const a = 2");
        await one.keyboard.press("ControlOrMeta+s");
        await typeInCell(two, 1, "const b = 2");
        await two.keyboard.press("ControlOrMeta+s");
        for (const p of [one, two]) await shows(p, ["const a = 2", "const b = 2"]);

        // The same cell, one page's save late: the conflict prompt, not a silent overwrite.
        const release = await holdSaves(one);
        await typeInCell(one, 0, "const a = 3"); // based on "const a = 2"
        await one.keyboard.press("ControlOrMeta+s");
        await typeInCell(two, 0, "const a = 4");
        await two.keyboard.press("ControlOrMeta+s");
        await two.locator(".cell").nth(0).locator(".unsaved").waitFor({ state: "detached" });
        release();
        const notice = one.locator(".cell").nth(0).locator(".conflict-notice");
        await notice.waitFor({ timeout: 20_000 });
        assert.match((await notice.textContent())!, /changed in another tab/);
        r = await api(proxy.url, "GET", `/v1/notebooks/${sid}`);
        assert.deepEqual(r.body.cells.map((x: { source: string }) => x.source), [
          "const a = 4",
          "const b = 2",
        ], "the stale edit changed nothing");
        await shows(two, ["const a = 4", "const b = 2"]);
        await screenshot(one, "replicas-nginx-page-one-conflict");
        await screenshot(two, "replicas-nginx-page-two");

        // No stickiness: the pages' requests reached both replicas (a socket is logged on close).
        for (const p of [one, two]) await p.close();
        await new Promise((r) => setTimeout(r, 300));
        const log = await proxy.accessLog();
        for (const rep of c.replicas) {
          assert.match(
            log,
            new RegExp(`127\\.0\\.0\\.1:${rep.port}`),
            `requests reached ${rep.id}`,
          );
        }
        const sockets = log.split("\n").filter((l) => l.includes("/v1/notebooks/ws/"));
        console.log(`sockets upgraded on: ${sockets.map((l) => l.split(" ").pop()).join(", ")}`);
        const unexpected = errors.flat().filter((e) => !/409|Conflict/i.test(e));
        assert.deepEqual(unexpected, []);
      } catch (err) {
        console.error(c.logs());
        console.error(await proxy.accessLog());
        throw err;
      } finally {
        await browser.close();
        await proxy.stop();
      }
    });
  },
});
