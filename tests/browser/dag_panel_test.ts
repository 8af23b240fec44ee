// Issue 20 in a real browser: the dependency graph of a long notebook opens and stays live while
// the notebook runs. Every cell here reads the first one and the one before it: dagre routed each
// of those edges through every rank it spans, so each layout of 80 such cells took ≈0.5 s, and the
// panel laid the graph out again on every status event of a run (hundreds): the page froze for
// minutes. Now the layout is made once per graph shape, from its transitive reduction.
import assert from "node:assert/strict";
import { startServer } from "../_server.ts";
import {
  launchBrowser,
  notebookWithCells,
  screenshot,
  waitReady,
  watchErrors,
} from "./_browser.ts";

Deno.test({
  name: "browser - the DAG of an 80-cell notebook stays live through a run-all",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer();
    const browser = await launchBrowser();
    try {
      const n = 80;
      const sources = Array.from(
        { length: n },
        (_, i) => i === 0 ? "const v0 = 1" : `const v${i} = v0 + v${i - 1};\nv${i}`,
      );
      const { sessionId: sid, path } = await notebookWithCells(server, "Long graph", sources);
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const errors = watchErrors(page);
      await page.goto(`${server.url}/notebooks/${path}`);
      await waitReady(page, true);
      await page.getByRole("button", { name: "DAG", exact: true }).click();
      await page.locator(".dag-node").nth(n - 1).waitFor({ timeout: 10_000 });
      // Every use is drawn: the chain routed, the uses of v0 past v1 dashed beside it.
      assert.equal(await page.locator(".dag-edge").count(), 2 * (n - 1) - 1);
      assert.equal(await page.locator(".dag-edge-implied").count(), n - 2);

      const run = await server.api("POST", `/v1/notebooks/${sid}/run-all`);
      assert.equal(run.status, 200, JSON.stringify(run.body));
      // The page kept up with the run's events: every node shows its cell ready, and the page
      // still answers a click on a node (which focuses that cell).
      await page.waitForFunction(
        (count) => document.querySelectorAll(".dag-node.dag-ready").length === count,
        n,
        { timeout: 20_000 },
      );
      const last = await page.locator(".cell").nth(n - 1).getAttribute("data-cell-id");
      await page.locator(`.dag-node[data-cell-id='${last}']`).click({ timeout: 5_000 });
      // Into its editor: the last cell was far below the viewport, so its editor is made then.
      await page.waitForFunction(
        (id) =>
          document.activeElement?.closest(".cell")?.getAttribute("data-cell-id") === id &&
          document.activeElement?.closest(".cm-editor") !== null,
        last,
        { timeout: 5_000 },
      );
      await screenshot(page, "dag_long_notebook");
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await server.close();
    }
  },
});
