// Issue 14 item 2 in a real browser: a cell logging once a second shows its lines in the page
// while it runs (the previous run's console cleared), and after kill -9 of the server mid-batch
// the page shows every cell that had finished.
import assert from "node:assert/strict";
import { startServer } from "../_server.ts";
import { launchBrowser, screenshot, waitReady, watchErrors } from "./_browser.ts";

/** The scoped server process under the launcher. */
function serverPid(launcher: number): number {
  for (const t of Deno.readDirSync(`/proc/${launcher}/task`)) {
    const kids = Deno.readTextFileSync(`/proc/${launcher}/task/${t.name}/children`).trim();
    for (const pid of kids ? kids.split(/\s+/).map(Number) : []) {
      const cmd = Deno.readTextFileSync(`/proc/${pid}/cmdline`).replaceAll("\0", " ");
      if (cmd.includes("serve")) return pid;
    }
  }
  return launcher;
}

/** Logs once a second until the file "go" exists beside the notebook (the test creates it). */
const TICKER = `// @name ticker
// @timeout 90
// @nocache
let ticks = 0;
while (true) {
  console.log(\`tick \${ticks++} at \${new Date().toISOString().slice(11, 19)}\`);
  if (ticks === 2) display(md("**halfway**: two ticks so far"));
  try { await Deno.stat("go"); break; } catch { /* not yet */ }
  await new Promise((r) => setTimeout(r, 1000));
}
ticks`;

Deno.test({
  name: "browser - live output: lines appear while the cell runs; a crash keeps finished cells",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startServer();
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const errors = watchErrors(page);

      await t.step("a cell logging once a second shows its lines before it ends", async () => {
        let r = await server.api("POST", "/v1/notebooks/create", { name: "Live", path: "live" });
        const sid = r.body.sessionId;
        r = await server.api("POST", `/v1/notebooks/${sid}/cells`, { source: TICKER });
        // A first run, so the page has a previous console to clear.
        await Deno.writeTextFile(`${server.dir}/notebooks/live/go`, "");
        r = await server.api("POST", `/v1/notebooks/${sid}/run-all`);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        await Deno.remove(`${server.dir}/notebooks/live/go`);

        await page.goto(`${server.url}/notebooks/live`);
        await waitReady(page);
        const cell = page.locator(".cell").nth(0);
        await cell.locator(".console pre", { hasText: "tick 0" }).waitFor({ timeout: 30_000 });
        await page.waitForSelector(".conn[data-state='open']", { timeout: 30_000 });
        await page.getByRole("button", { name: "Run cell 1" }).click();
        // The previous run's console goes at once; this run's lines come in as printed.
        await cell.locator(".outputs[data-live]").waitFor({ timeout: 30_000 });
        await cell.locator(".console pre", { hasText: "tick 1" }).waitFor({ timeout: 30_000 });
        await cell.locator(".output-markdown, .output", { hasText: "halfway" }).first().waitFor({
          timeout: 30_000,
        });
        assert.equal(
          await cell.locator(".outputs[data-live]").count(),
          1,
          "still running: the lines came before the end",
        );
        const lines = (await cell.locator(".console pre").textContent() ?? "").trim().split("\n");
        assert.ok(lines.length >= 2, lines.join("|"));
        assert.match(lines[0], /^tick 0 at/);
        await screenshot(page, "live-output-running");

        await Deno.writeTextFile(`${server.dir}/notebooks/live/go`, "");
        await cell.locator(".outputs:not([data-live])").waitFor({ timeout: 30_000 });
        await cell.locator(".output-text", { hasText: /^\d+$/ }).waitFor({ timeout: 30_000 });
      });

      await t.step(
        "kill -9 mid-batch: the page shows the finished cells after restart",
        async () => {
          let r = await server.api("POST", "/v1/notebooks/create", {
            name: "Crash",
            path: "crash",
          });
          const sid = r.body.sessionId;
          const sources = [
            'const v1 = 1;\nconsole.log("cell 1 finished")',
            'const v2 = v1 + 1;\nconsole.log("cell 2 finished")',
            '// @timeout 120\nconsole.log("cell 3 waits forever");\n' +
            "await new Promise(() => setInterval(() => {}, 1000));\nconst v3 = v2 + 1",
          ];
          for (const source of sources) {
            r = await server.api("POST", `/v1/notebooks/${sid}/cells`, { source });
            assert.equal(r.status, 201, JSON.stringify(r.body));
          }
          await page.goto(`${server.url}/notebooks/crash`);
          await waitReady(page);
          await page.getByRole("button", { name: "Run all" }).click();
          const cells = page.locator(".cell");
          await cells.nth(0).locator(".console pre", { hasText: "cell 1 finished" }).waitFor({
            timeout: 60_000,
          });
          await cells.nth(1).locator(".outputs:not([data-live]) .console pre", {
            hasText: "cell 2 finished",
          }).waitFor({ timeout: 60_000 });
          await cells.nth(2).locator(".console pre", { hasText: "cell 3 waits" }).waitFor({
            timeout: 60_000,
          });
          Deno.kill(serverPid(server.pid()), "SIGKILL");
          await server.restart();
          await page.goto(`${server.url}/notebooks/crash`);
          await waitReady(page);
          await cells.nth(0).locator(".console pre", { hasText: "cell 1 finished" }).waitFor({
            timeout: 30_000,
          });
          await cells.nth(1).locator(".console pre", { hasText: "cell 2 finished" }).waitFor({
            timeout: 30_000,
          });
          assert.equal(await cells.nth(2).locator(".console").count(), 0, "cell 3 never finished");
          await screenshot(page, "live-output-restored-after-crash");
        },
      );
      assert.deepEqual(errors.filter((e) => !/WebSocket|Failed to fetch|ERR_/.test(e)), []);
    } finally {
      await browser.close();
      await server.close();
    }
  },
});
