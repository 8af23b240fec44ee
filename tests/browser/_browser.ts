// Browser test helpers: headless Debian Chromium through playwright-core, screenshots under
// test-artifacts/screenshots/ (git-ignored).
import assert from "node:assert/strict";
import { type Browser, chromium, type Page } from "playwright-core";
import type { TestServer } from "../_server.ts";

/** Where the tests write screenshots. */
export const SCREENSHOT_DIR =
  new URL("../../test-artifacts/screenshots/", import.meta.url).pathname;

/** Launches headless Chromium with the flags that keep it quiet and offline. */
export async function launchBrowser(): Promise<Browser> {
  await Deno.mkdir(SCREENSHOT_DIR, { recursive: true });
  return await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-quic",
      "--no-first-run",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Saves a screenshot as test-artifacts/screenshots/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string, fullPage = false): Promise<string> {
  const path = `${SCREENSHOT_DIR}${name}.png`;
  await page.screenshot({ path, fullPage });
  return path;
}

/**
 * Waits until the page's island hydrated (and, on the editor, CodeMirror mounted). A server with a
 * fresh data folder bundles the islands on its first page (`deno bundle`), which takes seconds on
 * a busy 2-core machine: the bound is generous because it measures nothing.
 */
export async function waitReady(page: Page, editors = false): Promise<void> {
  await page.waitForSelector("html[data-hydrated='1']", { timeout: 60_000 });
  if (editors) await page.waitForSelector("html[data-editors='ready']", { timeout: 60_000 });
}

/** Collects page errors and failed console messages, to assert none happened. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && !/WebSocket|Failed to load resource/.test(m.text())) {
      errors.push(`console: ${m.text()}`);
    }
  });
  return errors;
}

/** Types into a cell's CodeMirror editor, replacing its text. */
export async function typeInCell(page: Page, cellIndex: number, text: string): Promise<void> {
  const content = page.locator(".cell").nth(cellIndex).locator(".cm-content");
  await content.click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type(text);
}

/** Creates a notebook through the API with one code cell per source, in order. */
export async function notebookWithCells(
  server: TestServer,
  name: string,
  sources: string[],
): Promise<{ sessionId: string; path: string }> {
  const created = await server.api("POST", "/v1/notebooks/create", { name });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const sessionId: string = created.body.sessionId;
  let after: string | null = null;
  for (const source of sources) {
    const r: { status: number; body: { cellId: string } } = await server.api(
      "POST",
      `/v1/notebooks/${sessionId}/cells`,
      { source, after },
    );
    assert.equal(r.status, 201, JSON.stringify(r.body));
    after = r.body.cellId;
  }
  return { sessionId, path: created.body.notebook.path };
}
