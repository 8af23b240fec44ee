// Issue 14 items 1 and 7 in a real browser: editing a cell and pressing Shift+Enter updates its
// dependent's output without Run all; two pages editing one cell get the conflict prompt
// (Overwrite, Reload) instead of a silent last write wins; each page shows the other viewer.
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { startServer } from "../_server.ts";
import { launchBrowser, screenshot, typeInCell, waitReady, watchErrors } from "./_browser.ts";

/** Holds a page's cell saves (PUT .../cells/<id>) until released, to order two pages' saves. */
async function holdSaves(page: Page): Promise<() => Promise<void>> {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const pattern = /\/v1\/notebooks\/[^/]+\/cells\/(?!reorder)[^/]+$/;
  await page.route(pattern, async (route) => {
    if (route.request().method() === "PUT") await gate;
    await route.continue();
  });
  // The route stays: once released it passes every request straight on.
  return () => Promise.resolve(release());
}

/** The text of a cell's editor. */
function editorText(page: Page, index: number): Promise<string | null> {
  return page.locator(".cell").nth(index).locator(".cm-content").textContent();
}

Deno.test({
  name:
    "browser - Shift+Enter on an edited cell updates its dependent; conflict prompt across two pages",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startServer();
    const browser = await launchBrowser();
    try {
      const r = await server.api("POST", "/v1/notebooks/create", { name: "Loop", path: "loop" });
      const sid = r.body.sessionId;
      await server.api("POST", `/v1/notebooks/${sid}/cells`, { source: "const x = 1" });
      await server.api("POST", `/v1/notebooks/${sid}/cells`, { source: "x * 10" });
      const run = await server.api("POST", `/v1/notebooks/${sid}/run-all`);
      assert.equal(run.status, 200, JSON.stringify(run.body));

      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors = watchErrors(page);
      const runAlls: string[] = [];
      page.on("request", (req) => /\/run-all/.test(req.url()) && runAlls.push(req.url()));
      await page.goto(`${server.url}/notebooks/loop`);
      await waitReady(page, true);
      const cells = page.locator(".cell");
      await cells.nth(1).locator(".output-text", { hasText: /^10$/ }).waitFor();

      await t.step("edit + Shift+Enter re-runs the dependent, no Run all", async () => {
        await typeInCell(page, 0, "const x = 5");
        await page.keyboard.press("Shift+Enter");
        await cells.nth(1).locator(".output-text", { hasText: /^50$/ }).waitFor({
          timeout: 30_000,
        });
        await cells.nth(1).locator(".pill", { hasText: /ready|cache/ }).first().waitFor();
        assert.equal(await cells.nth(1).locator(".why").count(), 0, "no stale why-line left");
        assert.deepEqual(runAlls, [], "Run all was never called");
        await screenshot(page, "reactive-shift-enter-updates-dependent");
      });

      const other = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const otherErrors = watchErrors(other);
      await other.goto(`${server.url}/notebooks/loop`);
      await waitReady(other, true);

      await t.step("presence: each page shows two viewers", async () => {
        await page.locator(".presence", { hasText: "2 viewers" }).waitFor();
        await other.locator(".presence", { hasText: "2 viewers" }).waitFor();
      });

      await t.step("a late save gets the conflict prompt; Overwrite saves it", async () => {
        const release = await holdSaves(page);
        await typeInCell(page, 0, "const x = 7"); // its save is held: based on "const x = 5"
        await page.keyboard.press("ControlOrMeta+s");
        await typeInCell(other, 0, "const x = 8");
        await other.keyboard.press("ControlOrMeta+s");
        await other.locator(".cell").nth(0).locator(".unsaved").waitFor({ state: "detached" });
        await release();
        const notice = cells.nth(0).locator(".conflict-notice");
        await notice.waitFor({ timeout: 15_000 });
        assert.match((await notice.textContent())!, /changed in another tab/);
        assert.equal(await editorText(page, 0), "const x = 7", "our text is kept");
        await screenshot(page, "conflict-prompt");
        await notice.getByRole("button", { name: "Overwrite" }).click();
        await notice.waitFor({ state: "detached" });
        await other.waitForFunction(
          () => document.querySelector(".cell .cm-content")?.textContent === "const x = 7",
          undefined,
          { timeout: 15_000 },
        );
        const saved = await server.api("GET", `/v1/notebooks/${sid}`);
        assert.equal(saved.body.cells[0].source, "const x = 7");
      });

      await t.step("Reload drops our edit and shows the other one", async () => {
        const release = await holdSaves(other);
        await typeInCell(other, 0, "const x = 9");
        await other.keyboard.press("ControlOrMeta+s");
        await typeInCell(page, 0, "const x = 10");
        await page.keyboard.press("ControlOrMeta+s");
        await cells.nth(0).locator(".unsaved").waitFor({ state: "detached" });
        await release();
        const notice = other.locator(".cell").nth(0).locator(".conflict-notice");
        await notice.waitFor({ timeout: 15_000 });
        await screenshot(other, "conflict-prompt-other-page");
        await notice.getByRole("button", { name: "Reload" }).click();
        await notice.waitFor({ state: "detached" });
        assert.equal(await editorText(other, 0), "const x = 10");
        const saved = await server.api("GET", `/v1/notebooks/${sid}`);
        assert.equal(
          saved.body.cells[0].source,
          "const x = 10",
          "the refused edit changed nothing",
        );
      });

      const unexpected = [...errors, ...otherErrors].filter((e) => !/409|Conflict/i.test(e));
      assert.deepEqual(unexpected, []);
    } finally {
      await browser.close();
      await server.close();
    }
  },
});
