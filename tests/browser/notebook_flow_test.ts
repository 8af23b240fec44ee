// The "must show" flow of issue #5 in a real browser: create, add cells, run, edit → stale,
// re-run, reload → cached, DAG navigation, error line, Runtime panel, narrow and dark layouts.
import assert from "node:assert/strict";
import { startServer } from "../_server.ts";
import { launchBrowser, screenshot, typeInCell, waitReady, watchErrors } from "./_browser.ts";

Deno.test({
  name:
    "browser - notebook flow: create, run 42, stale, 63, cached after reload, DAG, error line, runtime",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startServer();
    const browser = await launchBrowser();
    try {
      await server.api("POST", "/v1/notebooks/create", {
        name: "Quarterly report",
        path: "finance/q3",
      });
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const errors = watchErrors(page);
      const cells = page.locator(".cell");

      await t.step("create a notebook from the home page", async () => {
        await page.goto(`${server.url}/`);
        await waitReady(page);
        await page.locator("tr[data-path='finance/q3']").waitFor();
        await screenshot(page, "home");
        await page.getByLabel("Name", { exact: true }).fill("Browser test");
        await page.getByRole("button", { name: "Create notebook" }).click();
        await page.waitForURL(/\/notebooks\/browser-test$/);
        await waitReady(page, true);
        assert.equal(await page.locator("h1.nb-title").textContent(), "Browser test");
      });

      await t.step("add two cells, run, see 42", async () => {
        await page.getByRole("button", { name: "+ Code cell" }).click();
        await cells.nth(0).locator(".cm-content").waitFor();
        await typeInCell(page, 0, "const x = 2");
        await page.getByRole("button", { name: "+ Code cell" }).click();
        await cells.nth(1).locator(".cm-content").waitFor();
        await typeInCell(page, 1, "x * 21");
        await page.keyboard.press("Control+Enter");
        await cells.nth(1).locator(".output-text", { hasText: /^42$/ }).waitFor({
          timeout: 30_000,
        });
        await cells.nth(0).locator(".pill[data-status='ready']").waitFor();
      });

      await t.step("edit the first cell: the second becomes stale; run all: 63", async () => {
        await typeInCell(page, 0, "const x = 3");
        await page.locator(".unsaved").first().waitFor();
        await cells.nth(1).locator(".pill[data-status='stale']").waitFor({ timeout: 10_000 });
        const why = await cells.nth(1).locator(".pill").getAttribute("title");
        assert.match(why ?? "", /Stale/);
        assert.equal(await page.locator(".unsaved").count(), 0, "autosaved");
        await page.getByRole("button", { name: "▶▶ Run all" }).click();
        await cells.nth(1).locator(".output-text", { hasText: /^63$/ }).waitFor({
          timeout: 30_000,
        });
        await cells.nth(1).locator(".pill[data-status='ready']").waitFor();
        await screenshot(page, "editor-outputs");
      });

      await t.step(
        "reload: still 63 with the cached badge; a run-all is all cache hits",
        async () => {
          await page.reload();
          await waitReady(page, true);
          assert.equal(await cells.nth(1).locator(".output-text").textContent(), "63");
          await cells.nth(1).locator(".pill[data-status='cached']").waitFor({ timeout: 10_000 });
          await page.getByRole("button", { name: "▶▶ Run all" }).click();
          await cells.nth(1).locator(".pill[data-status='cached']").waitFor({ timeout: 30_000 });
          await page.reload();
          await waitReady(page, true);
          assert.equal(await cells.nth(1).locator(".output-text").textContent(), "63");
          await cells.nth(1).locator(".pill[data-status='cached']").waitFor();
          assert.match(await cells.nth(1).locator(".timing").textContent() ?? "", /cache hit/);
        },
      );

      await t.step(
        "server restart: the page reopens the notebook, 63 restored from the cache",
        async () => {
          await server.restart();
          await page.reload();
          await waitReady(page, true);
          assert.equal(await cells.nth(1).locator(".output-text").textContent(), "63");
          await cells.nth(1).locator(".pill[data-status='cached']").waitFor();
          await page.locator("[data-connection='open']").waitFor({ timeout: 10_000 });
        },
      );

      await t.step("open the DAG and click a node to focus its cell", async () => {
        await page.getByRole("button", { name: "DAG" }).click();
        await page.locator(".dag-node").nth(1).waitFor();
        assert.equal(await page.locator(".dag-edge").count(), 1);
        await screenshot(page, "dag");
        const firstId = await cells.nth(0).getAttribute("data-cell-id");
        await page.locator(`.dag-node[data-cell-id='${firstId}']`).click();
        await page.waitForFunction(
          (id) => document.activeElement?.closest(".cell")?.getAttribute("data-cell-id") === id,
          firstId,
        );
        await page.getByRole("button", { name: "Close panel" }).click();
      });

      await t.step("an error highlights its line in the editor", async () => {
        await page.getByRole("button", { name: "+ Code cell" }).click();
        await cells.nth(2).locator(".cm-content").waitFor();
        await typeInCell(page, 2, 'const y = x + 1;\nthrow new Error("boom " + y);');
        await page.keyboard.press("Control+Enter");
        await cells.nth(2).locator(".output-error", { hasText: "boom 4" }).waitFor({
          timeout: 30_000,
        });
        await cells.nth(2).locator(".pill[data-status='error']").waitFor();
        const line = cells.nth(2).locator(".cm-error-line");
        await line.waitFor();
        assert.equal(await line.getAttribute("data-error-line"), "2");
        assert.match(await line.textContent() ?? "", /throw new Error/);
        assert.ok(!(await page.content()).includes("    at "), "no stack trace on the page");
        await screenshot(page, "editor-error");
      });

      await t.step(
        "Runtime panel: add a value and a secret; the secret is never shown",
        async () => {
          await page.getByRole("button", { name: "Runtime" }).click();
          await page.getByLabel("New variable name").fill("REGION");
          await page.getByLabel("New variable value").fill("eu-west");
          await page.getByRole("button", { name: "Add", exact: true }).click();
          await page.locator("tr[data-env-key='REGION']").waitFor();
          await page.getByLabel("New variable name").fill("API_TOKEN");
          await page.getByLabel("New variable value").fill("s3cr3t-value");
          await page.getByRole("button", { name: "Add", exact: true }).click();
          await page.locator("tr[data-env-key='API_TOKEN'] .secret").waitFor();
          await page.getByLabel("Value of REGION").fill("eu-central");
          await page.locator("tr[data-env-key='REGION']").getByRole("button", { name: "Save" })
            .click();
          await page.getByText("Saved REGION").waitFor();
          assert.ok(
            !(await page.content()).includes("s3cr3t-value"),
            "secret value not in the page",
          );
          const state = await server.api("GET", `/v1/notebooks/${await sessionId(page)}`);
          assert.equal(
            state.body.env.find((r: { key: string }) => r.key === "REGION").value,
            "eu-central",
          );
          await screenshot(page, "runtime");
          await page.getByRole("button", { name: "Close panel" }).click();
        },
      );

      await t.step(
        "narrow (420 px) and dark layouts fit without horizontal scrolling",
        async () => {
          await page.setViewportSize({ width: 420, height: 800 });
          await page.emulateMedia({ colorScheme: "dark" });
          await page.reload();
          await waitReady(page, true);
          const overflow = await page.evaluate(() =>
            document.documentElement.scrollWidth - innerWidth
          );
          assert.ok(overflow <= 0, `horizontal overflow of ${overflow}px`);
          const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
          assert.equal(bg, "rgb(17, 19, 22)");
          await screenshot(page, "editor-narrow-dark");
        },
      );

      await t.step("connection loss shows reconnecting, then recovers", async () => {
        await server.stop();
        await page.locator(".banner-reconnecting").waitFor({ timeout: 10_000 });
        await server.restart();
        // Bounded generously: a restart on a busy 2-core machine takes seconds, then the page's
        // reconnect backoff adds its own wait.
        await page.locator("[data-connection='open']").waitFor({ timeout: 60_000 });
        assert.equal(await page.locator(".banner-reconnecting").count(), 0);
      });

      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await server.close();
    }
  },
});

async function sessionId(page: import("playwright-core").Page): Promise<string> {
  return await page.evaluate(() => {
    const props = JSON.parse(document.getElementById("island-notebook-props")!.textContent!);
    return props.state.sessionId as string;
  });
}
