// Issue 14 in a real browser: first keystrokes land in a new cell, Shift+Enter / Ctrl+Enter,
// command mode (a, b, j, k, Enter, m, y, dd + undo, ?), markdown renders on Shift+Enter.
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { startServer } from "../_server.ts";
import { launchBrowser, screenshot, waitReady, watchErrors } from "./_browser.ts";

/** The index of the cell holding the focus (-1: none), and whether an editor has it. */
function focusOf(page: Page): Promise<{ index: number; editor: boolean }> {
  return page.evaluate(() => {
    const el = document.activeElement;
    const cell = el?.closest(".cell");
    const all = [...document.querySelectorAll(".cell")];
    return { index: cell ? all.indexOf(cell) : -1, editor: !!el?.closest(".cm-editor") };
  });
}

async function waitFocus(page: Page, index: number, editor: boolean): Promise<void> {
  await page.waitForFunction(
    ([i, ed]) => {
      const el = document.activeElement;
      const cell = el?.closest(".cell");
      return !!cell && [...document.querySelectorAll(".cell")].indexOf(cell) === i &&
        !!el?.closest(".cm-editor") === ed;
    },
    [index, editor] as const,
    { timeout: 10_000 },
  );
}

Deno.test({
  name: "browser - editing loop: focus, Shift+Enter, command mode, undo delete, markdown",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startServer();
    const browser = await launchBrowser();
    try {
      await server.api("POST", "/v1/notebooks/create", { name: "Keys", path: "keys" });
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors = watchErrors(page);
      const cells = page.locator(".cell");
      await page.goto(`${server.url}/notebooks/keys`);
      await waitReady(page, true);

      await t.step(
        "+ Code cell: typing lands in the new cell; Shift+Enter runs and moves on",
        async () => {
          await page.getByRole("button", { name: "+ Code cell" }).click();
          await waitFocus(page, 0, true);
          await page.keyboard.type("1 + 1");
          await page.keyboard.press("Shift+Enter");
          await cells.nth(0).locator(".output-text", { hasText: /^2$/ }).waitFor({
            timeout: 30_000,
          });
          await cells.nth(1).waitFor();
          await waitFocus(page, 1, true);
          assert.equal(await cells.nth(0).locator(".cm-content").textContent(), "1 + 1");
          await page.keyboard.type("2 + 2");
          await page.keyboard.press("Control+Enter");
          await cells.nth(1).locator(".output-text", { hasText: /^4$/ }).waitFor({
            timeout: 30_000,
          });
          assert.equal(await cells.count(), 2, "Ctrl+Enter adds no cell");
          assert.deepEqual(await focusOf(page), { index: 1, editor: true }, "Ctrl+Enter stays");
          await screenshot(page, "keys-first-cells");
        },
      );

      await t.step("Esc: command mode; a, k, j, Enter, b", async () => {
        await page.keyboard.press("Escape");
        await waitFocus(page, 1, false);
        await page.locator(".mode-hint[data-mode='command']").waitFor();
        await page.keyboard.press("a");
        await page.waitForFunction(() => document.querySelectorAll(".cell").length === 3);
        await waitFocus(page, 1, false);
        assert.equal(await cells.nth(1).locator(".cm-content").textContent(), "");
        assert.equal(await cells.nth(2).locator(".cm-content").textContent(), "2 + 2");
        await page.keyboard.press("k");
        await waitFocus(page, 0, false);
        await page.keyboard.press("j");
        await waitFocus(page, 1, false);
        await page.keyboard.press("Enter");
        await waitFocus(page, 1, true);
        await page.keyboard.type("const z = 5");
        await page.keyboard.press("Escape");
        await waitFocus(page, 1, false);
        assert.equal(await cells.nth(1).locator(".cm-content").textContent(), "const z = 5");
        await page.keyboard.press("ArrowDown");
        await waitFocus(page, 2, false);
        await page.keyboard.press("b");
        await page.waitForFunction(() => document.querySelectorAll(".cell").length === 4);
        await waitFocus(page, 3, false);
        await screenshot(page, "keys-command-mode");
      });

      await t.step("m / y switch the cell between markdown and code", async () => {
        await page.keyboard.press("k");
        await page.keyboard.press("k");
        await waitFocus(page, 1, false);
        await page.keyboard.press("m");
        await cells.nth(1).and(page.locator(".cell-markdown")).waitFor({ timeout: 10_000 });
        await waitFocus(page, 1, false);
        assert.match(await cells.nth(1).locator(".md-rendered").textContent() ?? "", /const z = 5/);
        await page.keyboard.press("y");
        await cells.nth(1).and(page.locator(".cell-typescript")).waitFor({ timeout: 10_000 });
        await waitFocus(page, 1, false);
        assert.equal(await cells.count(), 4);
      });

      await t.step(
        "dd deletes the selected cell; Undo delete brings it back in place",
        async () => {
          await page.keyboard.press("d");
          await page.keyboard.press("d");
          await page.waitForFunction(() => document.querySelectorAll(".cell").length === 3);
          const undo = page.getByRole("button", { name: "Undo delete" });
          await undo.waitFor();
          assert.equal(await cells.nth(1).locator(".cm-content").textContent(), "2 + 2");
          await screenshot(page, "keys-undo-toast");
          await undo.click();
          await page.waitForFunction(() => document.querySelectorAll(".cell").length === 4);
          assert.equal(await cells.nth(1).locator(".cm-content").textContent(), "const z = 5");
          assert.equal(await undo.count(), 0, "the toast goes once used");
          // The server kept it too.
          const sid = await page.evaluate(() =>
            JSON.parse(document.getElementById("island-notebook-props")!.textContent!).state
              .sessionId
          );
          const state = await server.api("GET", `/v1/notebooks/${sid}`);
          assert.equal(state.body.cells[1].source, "const z = 5");
          // z undoes too.
          await waitFocus(page, 1, false);
          await page.keyboard.press("d");
          await page.keyboard.press("d");
          await page.waitForFunction(() => document.querySelectorAll(".cell").length === 3);
          await page.keyboard.press("z");
          await page.waitForFunction(() => document.querySelectorAll(".cell").length === 4);
          assert.equal(await cells.nth(1).locator(".cm-content").textContent(), "const z = 5");
        },
      );

      await t.step("markdown: Shift+Enter renders it and moves on", async () => {
        await page.getByRole("button", { name: "+ Markdown cell" }).click();
        await page.waitForFunction(() => document.querySelectorAll(".cell").length === 5);
        await waitFocus(page, 4, true);
        await page.keyboard.type("# Findings");
        await page.keyboard.press("Shift+Enter");
        await cells.nth(4).locator(".md-rendered h1", { hasText: "Findings" }).waitFor();
        await page.waitForFunction(() => document.querySelectorAll(".cell").length === 6);
        await waitFocus(page, 5, true);
        await screenshot(page, "keys-markdown-rendered");
      });

      await t.step("? lists the keys; Esc closes the list", async () => {
        await page.keyboard.press("Escape");
        await page.keyboard.press("?");
        const dialog = page.getByRole("dialog", { name: "Keyboard shortcuts" });
        await dialog.waitFor();
        const text = await dialog.textContent() ?? "";
        for (
          const s of [
            "Insert a code cell above",
            "Delete the selected cell",
            "Undo the last delete",
            "Make the cell Markdown",
            "Run the cell and stay",
          ]
        ) {
          assert.ok(text.includes(s), s);
        }
        await screenshot(page, "keys-help");
        await page.keyboard.press("Escape");
        await dialog.waitFor({ state: "detached" });
      });

      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await server.close();
    }
  },
});
