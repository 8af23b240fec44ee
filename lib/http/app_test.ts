import assert from "node:assert/strict";
import { Hono } from "hono";
import { loadConfig } from "../config/load.ts";
import { nullLogger } from "../log.ts";
import { createMetrics } from "../metrics.ts";
import { createReadiness } from "../readiness.ts";
import { NotFoundError } from "../errors.ts";
import type { AppEnv } from "./context.ts";
import { createApp } from "./app.ts";

function makeApp(env: Record<string, string> = {}, mount?: (app: Hono<AppEnv>) => void) {
  const { config } = loadConfig({ HOME: "/h", ...env });
  const readiness = createReadiness({ timeoutMs: 100 });
  const metrics = createMetrics();
  const lines: string[] = [];
  const log = nullLogger();
  log.error = (msg, fields) => lines.push(`${msg} ${JSON.stringify(fields)}`);
  log.child = () => log;
  const app = createApp({
    config,
    log,
    metrics,
    readiness,
    version: "test",
    defaultTenant: { id: "default", hash: "0000" },
    mount,
  });
  return { app, readiness, metrics, lines };
}

const H = { host: "127.0.0.1:8765" };

Deno.test("app - /health answers without touching checks", async () => {
  const { app, readiness } = makeApp();
  let called = false;
  readiness.add("db", () => {
    called = true;
    return { ok: true };
  });
  const res = await app.request("/health", { headers: H });
  assert.equal(res.status, 200);
  assert.equal((await res.json()).status, "ok");
  assert.equal(called, false);
});

Deno.test("app - /ready answers the documented shape: status, checks with status/fields", async () => {
  const { app, readiness } = makeApp();
  readiness.add("db", () => ({ ok: true, fields: { latency_ms: 1.21 } }));
  readiness.add("migrations", () => ({ ok: true, fields: { current: "0003_x", head: "0003_x" } }));
  readiness.add("retention_task", () => ({ ok: true }));
  const res = await app.request("/ready", { headers: H });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {
    status: "ready",
    checks: {
      db: { status: "ok", latency_ms: 1.21 },
      migrations: { status: "ok", current: "0003_x", head: "0003_x" },
      retention_task: { status: "ok" },
    },
  });
});

Deno.test("app - /ready is 503 with a reason on the failed check; a hung check times out", async () => {
  const { app, readiness } = makeApp();
  let dbUp = false;
  readiness.add("db", () => (dbUp ? { ok: true } : { ok: false, reason: "connection refused" }));
  readiness.add("thrower", () => {
    throw new Error("boom");
  });
  readiness.add("hung", () => new Promise(() => {}));
  readiness.add("fine", () => ({ ok: true }));
  const res = await app.request("/ready", { headers: H });
  assert.equal(res.status, 503);
  const body = await res.json();
  assert.equal(body.status, "not_ready");
  assert.deepEqual(body.checks.db, { status: "error", reason: "connection refused" });
  assert.deepEqual(body.checks.thrower, { status: "error", reason: "boom" });
  assert.deepEqual(body.checks.hung, { status: "error", reason: "timeout" });
  assert.deepEqual(body.checks.fine, { status: "ok" });
  dbUp = true;
  const { app: app2, readiness: r2 } = makeApp();
  r2.add("db", () => ({ ok: dbUp }));
  const ok = await app2.request("/ready", { headers: H });
  assert.equal(ok.status, 200);
  assert.equal((await ok.json()).status, "ready");
});

Deno.test("app - /ready bounds each check at 500 ms by default: a slow check is not_ready (timeout)", async () => {
  const { config } = loadConfig({ HOME: "/h" });
  const readiness = createReadiness();
  const app = createApp({
    config,
    log: nullLogger(),
    metrics: createMetrics(),
    readiness,
    version: "test",
    defaultTenant: { id: "default", hash: "0000" },
  });
  let slowFinished = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Slower than the bound: answers after 3 s (cleared at the end; no test waits for it).
  readiness.add("slow", () =>
    new Promise((resolve) => {
      timer = setTimeout(() => {
        slowFinished = true;
        resolve({ ok: true });
      }, 3000);
    }));
  readiness.add("db", () => ({ ok: true }));
  const res = await app.request("/ready", { headers: H });
  clearTimeout(timer);
  assert.equal(res.status, 503);
  const body = await res.json();
  assert.deepEqual(body.checks.slow, { status: "error", reason: "timeout" });
  assert.deepEqual(body.checks.db, { status: "ok" });
  assert.equal(slowFinished, false, "the answer came before the slow check finished");
});

Deno.test("app - errors are JSON with a code; 500s hide internals and are logged", async () => {
  const { app, lines } = makeApp({}, (a) => {
    a.get("/v1/missing", () => {
      throw new NotFoundError("Notebook 'x' not found");
    });
    a.get("/v1/boom", () => {
      throw new Error("secret internal detail at /srv/db");
    });
  });
  let res = await app.request("/v1/missing", { headers: H });
  assert.equal(res.status, 404);
  assert.deepEqual((await res.json()).error.code, "not_found");
  res = await app.request("/v1/boom", { headers: H });
  assert.equal(res.status, 500);
  const text = await res.text();
  assert.ok(!text.includes("secret internal detail"));
  assert.match(JSON.parse(text).error.request_id, /^[0-9a-f-]{36}$/);
  assert.equal(lines.length, 1);
  res = await app.request("/nowhere", { headers: H });
  assert.equal(res.status, 404);
  assert.equal((await res.json()).error.code, "not_found");
});

Deno.test("app - oversized bodies get 413", async () => {
  const { app } = makeApp({ STRATA_MAX_BODY_BYTES: "1024" }, (a) => {
    a.post("/v1/echo", async (c) => c.json({ n: (await c.req.text()).length }));
  });
  const ok = await app.request("/v1/echo", { method: "POST", headers: H, body: "x".repeat(100) });
  assert.equal(ok.status, 200);
  const big = await app.request("/v1/echo", { method: "POST", headers: H, body: "x".repeat(5000) });
  assert.equal(big.status, 413);
  assert.equal((await big.json()).error.code, "payload_too_large");
});

Deno.test("app - personal mode refuses foreign Host headers (DNS rebinding)", async () => {
  const { app } = makeApp();
  for (
    const host of [
      "evil.example:8765",
      "evil.example",
      "127.0.0.1.evil.example",
      "localhost.evil.example:9000",
      "127.0.0.1.nip.io:8765",
      "10.0.0.5:8765",
      "127.0.0.1:8765@evil.example",
    ]
  ) {
    const res = await app.request("/v1/anything", { headers: { host } });
    assert.equal(res.status, 403, host);
  }
});

Deno.test("app - loopback names on any port pass the Host check (ssh -L / docker -p forwarding)", async () => {
  const { app } = makeApp({}, (a) => {
    a.get("/v1/read", (c) => c.json({ ok: true }));
    a.post("/v1/write", (c) => c.json({ ok: true }));
  });
  for (
    const host of ["127.0.0.1:8765", "localhost:9000", "localhost", "[::1]:9000", "127.0.0.2:1"]
  ) {
    const res = await app.request("/v1/read", { headers: { host } });
    assert.equal(res.status, 200, host);
  }
  // The browser behind `ssh -L 9000:127.0.0.1:8765` writes from its own origin: accepted.
  const forwarded = await app.request("/v1/write", {
    method: "POST",
    headers: {
      host: "localhost:9000",
      origin: "http://localhost:9000",
      "sec-fetch-site": "same-origin",
    },
  });
  assert.equal(forwarded.status, 200);
  // Another local port's page (a dev server on localhost:3000) is another origin: refused, also
  // from a browser that sends no Sec-Fetch-Site.
  const otherPort = await app.request("/v1/write", {
    method: "POST",
    headers: { host: "127.0.0.1:8765", origin: "http://localhost:3000" },
  });
  assert.equal(otherPort.status, 403);
  const otherLoopback = await app.request("/v1/write", {
    method: "POST",
    headers: { host: "localhost:9000", origin: "http://127.0.0.1:9000" },
  });
  assert.equal(otherLoopback.status, 403);
});

Deno.test("app - allowed_hosts entries may omit the port; with a port only that port passes", async () => {
  const { app } = makeApp({ STRATA_ALLOWED_HOSTS: "notebook.lan,box.lan:9000" });
  const cases: [string, number][] = [
    ["notebook.lan", 404],
    ["notebook.lan:8765", 404],
    ["NOTEBOOK.LAN:1234", 404],
    ["box.lan:9000", 404],
    ["box.lan:9001", 403],
    ["box.lan", 403],
    ["evil.lan:9000", 403],
  ];
  for (const [host, status] of cases) {
    const res = await app.request("/v1/nothing", { headers: { host } });
    assert.equal(res.status, status, host);
  }
  assert.throws(
    () => loadConfig({ HOME: "/h", STRATA_ALLOWED_HOSTS: "http://x.lan/" }),
    /allowed_hosts.*host name or host:port/,
  );
});

Deno.test("app - /health and /ready answer a pod-IP Host; other paths and writes still refuse it", async () => {
  const { app, readiness } = makeApp({}, (a) => {
    a.post("/ready", (c) => c.json({ wrote: true }));
  });
  readiness.add("db", () => ({ ok: true }));
  const pod = { host: "10.42.0.17:8765" };
  assert.equal((await app.request("/health", { headers: pod })).status, 200);
  const ready = await app.request("/ready", { headers: pod });
  assert.equal(ready.status, 200);
  assert.equal((await ready.json()).status, "ready");
  assert.equal((await app.request("/metrics", { headers: pod })).status, 403);
  assert.equal((await app.request("/", { headers: pod })).status, 403);
  assert.equal((await app.request("/ready", { method: "POST", headers: pod })).status, 403);
  assert.equal(
    (await app.request("/ready", { headers: { ...pod, upgrade: "websocket" } })).status,
    403,
  );
});

Deno.test("app - personal mode refuses cross-site writes and WebSocket upgrades", async () => {
  const { app } = makeApp({}, (a) => {
    a.post("/v1/write", (c) => c.json({ ok: true }));
    a.get("/v1/ws", (c) => c.json({ upgraded: true }));
  });
  const cases: [RequestInit, number][] = [
    [{ method: "POST", headers: { ...H, origin: "https://evil.example" } }, 403],
    [{ method: "POST", headers: { ...H, "sec-fetch-site": "cross-site" } }, 403],
    [{ method: "POST", headers: { ...H, origin: "null" } }, 403],
    [{
      method: "POST",
      headers: { ...H, origin: "http://127.0.0.1:8765", "sec-fetch-site": "same-origin" },
    }, 200],
    [{ method: "POST", headers: H }, 200], // curl / CLI: no Origin at all
  ];
  for (const [init, status] of cases) {
    const res = await app.request("/v1/write", init);
    assert.equal(res.status, status, JSON.stringify(init.headers));
  }
  const ws = await app.request("/v1/ws", {
    headers: { ...H, upgrade: "websocket", origin: "https://evil.example" },
  });
  assert.equal(ws.status, 403);
  const cross = await app.request("/v1/write", {
    method: "GET",
    headers: { ...H, origin: "https://evil.example" },
  });
  assert.equal(cross.status, 404); // reads are allowed through (and here, no GET route)
});

Deno.test("app - /metrics counts requests by route pattern and status", async () => {
  const { app } = makeApp(
    {},
    (a) => a.get("/v1/notebooks/:sid", (c) => c.json({ sid: c.req.param("sid") })),
  );
  await app.request("/v1/notebooks/abc", { headers: H });
  await app.request("/v1/notebooks/def", { headers: H });
  await app.request("/no/such/path", { headers: H });
  const text = await (await app.request("/metrics", { headers: H })).text();
  assert.match(
    text,
    /strata_http_requests_total\{method="GET",route="\/v1\/notebooks\/:sid",status="200"\} 2/,
  );
  assert.match(text, /strata_http_requests_total\{method="GET",route="unmatched",status="404"\} 1/);
  assert.match(text, /strata_http_request_duration_seconds_bucket/);
});
