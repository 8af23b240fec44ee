// Issue 14 items 4 and 9 in a real browser: cancelled and timed-out pills, the Timings panel's wall
// time beside the sum of cells that ran, the favicon, the open dialog naming the notebook root,
// and `strata serve <dir>` opening a notebook made by `strata new`.
import assert from "node:assert/strict";
import { freePort, startServer, untilReady } from "../_server.ts";
import { launchBrowser, screenshot, typeInCell, waitReady, watchErrors } from "./_browser.ts";

const main = new URL("../../main.ts", import.meta.url).pathname;
const FLAGS = ["run", "--allow-read", "--allow-env", "--allow-run", "--allow-sys=osRelease,uid"];

Deno.test({
  name:
    "browser - honest UI: cancelled and timed-out pills, wall time, favicon, root in open dialog",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startServer();
    const browser = await launchBrowser();
    try {
      await server.api("POST", "/v1/notebooks/create", { name: "Honest", path: "honest" });
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors = watchErrors(page);
      const cells = page.locator(".cell");
      await page.goto(`${server.url}/notebooks/honest`);
      await waitReady(page, true);

      await t.step("a cancelled cell says cancelled, a timed-out cell says timed out", async () => {
        await page.getByRole("button", { name: "+ Code cell" }).click();
        await typeInCell(page, 0, "await new Promise((r) => setTimeout(r, 60_000));\n1");
        await page.getByRole("button", { name: "+ Code cell" }).click();
        await typeInCell(
          page,
          1,
          "// @timeout 1\nawait new Promise((r) => setTimeout(r, 30_000));\n2",
        );
        await page.getByRole("button", { name: "Run cell 1" }).click();
        await cells.nth(0).locator(".pill[data-status='running']").waitFor({ timeout: 30_000 });
        await page.getByRole("button", { name: "■ Cancel" }).click();
        const cancelled = cells.nth(0).locator(".pill[data-status='cancelled']");
        await cancelled.waitFor({ timeout: 30_000 });
        assert.equal(await cancelled.textContent(), "cancelled");
        assert.match(await cells.nth(0).locator(".output-error").textContent() ?? "", /^Cancelled/);
        await page.getByRole("button", { name: "Run cell 2" }).click();
        const timedOut = cells.nth(1).locator(".pill[data-status='timeout']");
        await timedOut.waitFor({ timeout: 30_000 });
        assert.equal(await timedOut.textContent(), "timed out");
        assert.equal(await page.locator(".pill[data-status='error']").count(), 0, "no red pill");
        await screenshot(page, "pills-cancelled-timeout");
      });

      await t.step("Timings: wall time beside the sum of the cells that ran", async () => {
        await typeInCell(page, 0, "const a = 20");
        await typeInCell(page, 1, "await new Promise((r) => setTimeout(r, 400));\na + 1");
        await page.getByRole("button", { name: "▶▶ Run all" }).click();
        await cells.nth(1).locator(".output-text", { hasText: /^21$/ }).waitFor({
          timeout: 30_000,
        });
        await page.getByRole("button", { name: "Timings" }).click();
        const wall = page.getByTestId("wall-time");
        await wall.waitFor();
        assert.match(await page.getByTestId("ran-sum").textContent() ?? "", /\(2 cells\)/);
        // Run all again: everything is a cache hit, so nothing "ran", whatever the rows say.
        await page.getByRole("button", { name: "▶▶ Run all" }).click();
        await page.getByTestId("ran-sum").filter({ hasText: "(0 cells)" }).waitFor({
          timeout: 30_000,
        });
        assert.equal(await page.getByTestId("ran-sum").textContent(), "0.0 ms (0 cells)");
        assert.match(await wall.textContent() ?? "", /\d/);
        assert.equal(await page.locator(".timings-table tbody tr.row-cached").count(), 2);
        assert.match(
          await page.locator(".timings-table tbody tr").nth(1).locator("td.num").textContent() ??
            "",
          /^\(\d/,
          "a cached duration is shown in parentheses, not as a run",
        );
        await screenshot(page, "timings-wall-time");
        await page.getByRole("button", { name: "Close panel" }).click();
      });

      await t.step("a favicon: linked from the page and served at /favicon.ico", async () => {
        const href = await page.locator("link[rel='icon']").getAttribute("href");
        assert.ok(href);
        for (const path of [href, "/favicon.ico"]) {
          const res = await fetch(server.url + path);
          assert.equal(res.status, 200, path);
          assert.equal(res.headers.get("content-type"), "image/svg+xml", path);
          assert.match(await res.text(), /^<svg /);
        }
      });

      await t.step("the open dialog names the notebook root and how to change it", async () => {
        await page.goto(`${server.url}/`);
        await waitReady(page);
        const hint = page.getByTestId("root-hint");
        const text = await hint.textContent() ?? "";
        assert.ok(text.includes(await Deno.realPath(`${server.dir}/notebooks`)), text);
        assert.match(text, /strata serve/);
        assert.match(text, /STRATA_NOTEBOOK_STORAGE_DIR/);
        await page.getByLabel("Path").fill("/etc");
        await page.getByRole("button", { name: "Open", exact: true }).click();
        await page.getByRole("alert").filter({ hasText: /outside the notebook directory/ })
          .waitFor();
        await screenshot(page, "open-dialog-root");
      });

      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await server.close();
    }
  },
});

Deno.test({
  name: "browser - strata serve <dir> opens a notebook made by strata new",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "strata-serve-dir-" });
    const env = {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? dir,
      STRATA_DATA_DIR: `${dir}/data`,
      STRATA_NOTEBOOK_STORAGE_DIR: `${dir}/elsewhere`,
      STRATA_EXECUTOR_POOL_SIZE: "1",
      NO_COLOR: "1",
    };
    const made = await new Deno.Command(Deno.execPath(), {
      args: [...FLAGS, main, "new", `${dir}/projects/demo`, "--name", "Demo"],
      env,
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(made.code, 0, new TextDecoder().decode(made.stderr));
    const browser = await launchBrowser();
    const serve = async (folder: string) => {
      const port = freePort();
      const child = new Deno.Command(Deno.execPath(), {
        args: [...FLAGS, main, "serve", folder],
        env: { ...env, STRATA_PORT: String(port) },
        clearEnv: true,
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).spawn();
      const log = await untilReady(child, "strata serve <dir>");
      return {
        url: `http://127.0.0.1:${port}`,
        async stop() {
          child.kill("SIGTERM");
          await child.status;
          await log.rest;
        },
      };
    };
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      // The parent folder as the root: the notebook is listed and opens.
      const parent = await serve(`${dir}/projects`);
      try {
        await page.goto(`${parent.url}/`);
        await waitReady(page);
        await page.locator("tr[data-path='demo']").waitFor();
        assert.ok(
          (await page.getByTestId("root-hint").textContent() ?? "").includes(
            await Deno.realPath(`${dir}/projects`),
          ),
        );
        await page.getByRole("link", { name: "Demo" }).click();
        await waitReady(page);
        assert.equal(await page.locator("h1.nb-title").textContent(), "Demo");
      } finally {
        await parent.stop();
      }
      // The notebook folder itself as the root: it is listed as "." and opens at /notebooks/.
      const itself = await serve(`${dir}/projects/demo`);
      try {
        await page.goto(`${itself.url}/`);
        await waitReady(page);
        await page.getByRole("link", { name: "Demo" }).click();
        await page.waitForURL(/\/notebooks\/$/);
        await waitReady(page);
        assert.equal(await page.locator("h1.nb-title").textContent(), "Demo");
        await screenshot(page, "serve-dir-notebook");
      } finally {
        await itself.stop();
      }
    } finally {
      await browser.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
