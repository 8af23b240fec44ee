// Issue 15 in a real browser: completions from an upstream cell's types, a squiggle on a type
// error, hover text and go-to-definition, through the server's language service.
import assert from "node:assert/strict";
import { startServer } from "../_server.ts";
import {
  launchBrowser,
  notebookWithCells,
  screenshot,
  typeInCell,
  waitReady,
  watchErrors,
} from "./_browser.ts";

Deno.test({
  name: "browser - type assist: sales.fi pops up filter and find, a type error is squiggled",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startServer();
    const browser = await launchBrowser();
    try {
      const created = await server.api("POST", "/v1/notebooks/create", { name: "Typed sales" });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const sid = created.body.sessionId;
      for (
        const source of [
          'const sales = [{ amount: 1, region: "eu" }];',
          'const n: number = "x";\nn',
          "",
        ]
      ) {
        const r = await server.api("POST", `/v1/notebooks/${sid}/cells`, { source });
        assert.equal(r.status, 201, JSON.stringify(r.body));
      }
      const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
      const errors = watchErrors(page);
      const cells = page.locator(".cell");
      await page.goto(`${server.url}/notebooks/${created.body.notebook.path}`);
      await waitReady(page, true);

      await t.step("typing sales.fi shows a popup with filter and find", async () => {
        await typeInCell(page, 2, "sales.fi");
        const popup = page.locator(".cm-tooltip-autocomplete");
        await popup.waitFor({ timeout: 15_000 });
        await popup.locator("li", { hasText: /^find/ }).first().waitFor({ timeout: 15_000 });
        const labels = await popup.locator(".cm-completionLabel").allTextContents();
        assert.ok(labels.length >= 2, labels.join(","));
        assert.ok(labels.includes("filter") && labels.includes("find"), labels.join(","));
        assert.ok(!labels.includes("map"), "the popup is filtered by what was typed");
        await screenshot(page, "type-assist-completions");
        await page.keyboard.press("Escape");
      });

      await t.step("Ctrl+Space completes upstream names", async () => {
        await typeInCell(page, 2, "sal");
        await page.keyboard.press("Control+Space");
        const popup = page.locator(".cm-tooltip-autocomplete");
        await popup.locator(".cm-completionLabel", { hasText: /^sales$/ }).waitFor({
          timeout: 15_000,
        });
        // A click (Enter is ignored for CodeMirror's interactionDelay after the popup opens).
        await popup.locator("li", { hasText: /^sales/ }).first().click();
        assert.equal(await cells.nth(2).locator(".cm-content").textContent(), "sales");
        await page.keyboard.type("[0].");
        await popup.locator(".cm-completionLabel", { hasText: /^amount$/ }).waitFor({
          timeout: 15_000,
        });
        await page.keyboard.press("Escape");
      });

      await t.step("a type error is squiggled, with the message on hover", async () => {
        const squiggle = cells.nth(1).locator(".cm-lintRange-warning");
        await squiggle.waitFor({ timeout: 20_000 });
        assert.equal(await squiggle.count(), 1);
        assert.equal(await squiggle.textContent(), "n");
        assert.match(
          await cells.nth(1).locator(".diag-warning").first().textContent() ?? "",
          /line 1: Type 'string' is not assignable to type 'number'/,
        );
        await squiggle.hover();
        await page.locator(".cm-tooltip-lint, .cm-tooltip-hover", {
          hasText: "not assignable",
        }).first().waitFor({ timeout: 10_000 });
        await screenshot(page, "type-assist-squiggle");
      });

      await t.step("hover over an upstream name shows its type", async () => {
        await typeInCell(page, 2, "sales.length");
        await page.mouse.move(0, 0);
        const word = cells.nth(2).locator(".cm-line").first();
        const box = (await word.boundingBox())!;
        await page.mouse.move(box.x + 12, box.y + box.height / 2);
        const tip = page.locator(".cm-type-hover");
        await tip.waitFor({ timeout: 10_000 });
        assert.match(
          await tip.textContent() ?? "",
          /const sales: \{\s+amount: number;\s+region: string;\s+\}\[\]/,
        );
        await screenshot(page, "type-assist-hover");
      });

      await t.step("F12 on an upstream name jumps to the defining cell", async () => {
        await cells.nth(2).locator(".cm-content").click();
        await page.keyboard.press("Home");
        await page.keyboard.press("ArrowRight");
        await page.keyboard.press("F12");
        const firstId = await cells.nth(0).getAttribute("data-cell-id");
        await page.waitForFunction(
          (id) => document.activeElement?.closest(".cell")?.getAttribute("data-cell-id") === id,
          firstId,
          { timeout: 10_000 },
        );
      });
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await server.close();
    }
  },
});

Deno.test({
  name:
    "browser - a 40-cell notebook makes the editors near the viewport, the others as they come into view, without rewriting the page's styles per editor",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // Each cell's editor made its own hover-tooltip theme: CodeMirror rewrote the page's style
    // sheet for every editor, and the browser restyled the whole page each time (a 300-cell
    // notebook took 11 s, a 50-cell one 0.5 s, to get its editors). Counted here: the style
    // sheet's rewrites while the page loads.
    const server = await startServer();
    const browser = await launchBrowser();
    try {
      const sources = Array.from(
        { length: 40 },
        // The last cell has a syntax error on its line 2: its editor, made when it comes into
        // view, still marks that line.
        (_, i) =>
          i === 0
            ? "const base = 1"
            : `const v${i}: number = base + ${i};\nv${i}${i === 39 ? " )" : ""}`,
      );
      const { path } = await notebookWithCells(server, "Many cells", sources);
      const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
      await context.addInitScript(() => {
        const text = Object.getOwnPropertyDescriptor(Node.prototype, "textContent")!;
        const w = globalThis as unknown as { styleWrites: number };
        w.styleWrites = 0;
        Object.defineProperty(Node.prototype, "textContent", {
          ...text,
          set(this: Node, v: string | null) {
            if (this.nodeName === "STYLE") w.styleWrites++;
            text.set!.call(this, v);
          },
        });
      });
      const page = await context.newPage();
      const errors = watchErrors(page);
      await page.goto(`${server.url}/notebooks/${path}`);
      await waitReady(page, true);
      const cells = page.locator(".cell");
      await cells.nth(0).locator(".cm-editor").waitFor();
      // Issue 20: an editor per cell near the viewport (a viewport's height around it); the cells
      // further down show their source as the server rendered it until they come near.
      const made = await page.locator(".cell .cm-editor").count();
      assert.ok(made >= 6 && made < 40, `${made} editors made for 40 cells`);
      const last = cells.nth(39);
      assert.equal(await last.locator(".cm-editor").count(), 0);
      assert.equal(
        await last.locator(".static-source").innerText(),
        "1\nconst v39: number = base + 39;\n2\nv39 )",
      );
      assert.equal(await last.locator(".static-error-line").innerText(), "2\nv39 )");
      await screenshot(page, "forty_cells_editors");
      // Cells nobody points at are laid out on their own (contain: layout); a hovered cell's "add"
      // buttons, which reach below it, still show above the next cell and take the click.
      await cells.nth(2).hover();
      const add = cells.nth(2).getByRole("button", { name: "Add code cell after cell 3" });
      const box = (await add.boundingBox())!;
      const next = (await cells.nth(3).boundingBox())!;
      assert.ok(box.y + box.height > next.y, "the button reaches over the next cell");
      const below = { x: box.x + box.width / 2, y: next.y + 2 };
      assert.equal(
        await page.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.textContent, below),
        "+ Code",
      );
      await last.scrollIntoViewIfNeeded();
      await last.locator(".cm-editor").waitFor({ timeout: 10_000 });
      assert.equal(
        await last.locator(".cm-content").textContent(),
        "const v39: number = base + 39;v39 )",
      );
      assert.equal(await last.locator(".cm-error-line").getAttribute("data-error-line"), "2");
      assert.equal(await last.locator(".static-source").count(), 0, "the static source is gone");
      const writes = await page.evaluate(() =>
        (globalThis as unknown as { styleWrites: number }).styleWrites
      );
      assert.ok(writes <= 3, `the style sheet was rewritten ${writes} times for 40 editors`);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await server.close();
    }
  },
});
