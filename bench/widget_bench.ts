/**
 * Widget benchmark (issue 16): a slider change → the dependent cell's new output visible in the
 * page, in headless Chromium, median over 20 changes. Uncached: 20 values never seen; cached: the
 * same 20 values again (every cell a cache hit). Measured in the notebook editor and in app mode;
 * the ratio is cached vs uncached of the same run.
 * Run: scripts/deno run -A bench/widget_bench.ts   (needs /usr/bin/chromium)
 */
import type { Page } from "playwright-core";
import { launchBrowser, waitReady } from "../tests/browser/_browser.ts";
import { startServer } from "../tests/_server.ts";
import { median } from "./_load.ts";

/** Figures in milliseconds. */
export interface WidgetBenchFigures {
  changes: number;
  editor: { uncachedMs: number; cachedMs: number; ratio: number };
  app: { uncachedMs: number; cachedMs: number; ratio: number };
}

/** Moves the slider in `scope` to `value`; resolves with ms until the output shows `expected`. */
function change(page: Page, scope: string, out: string, value: number, expected: string) {
  return page.evaluate(([scope, out, value, expected]) =>
    new Promise<number>((resolve, reject) => {
      const input = document.querySelector(`${scope} input[type=range]`) as HTMLInputElement;
      const t0 = performance.now();
      const done = () => {
        const el = document.querySelector(out);
        if (el?.textContent === expected) {
          observer.disconnect();
          clearTimeout(timer);
          resolve(performance.now() - t0);
          return true;
        }
        return false;
      };
      const observer = new MutationObserver(done);
      observer.observe(document.body, { subtree: true, childList: true, characterData: true });
      const timer = setTimeout(() => {
        observer.disconnect();
        reject(new Error(`no output '${expected}' within 60 s`));
      }, 60_000);
      input.value = String(value);
      input.dispatchEvent(new Event("input", { bubbles: true }));
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }), [scope, out, value, expected] as const);
}

async function measure(page: Page, a: string, b: string, values: number[]) {
  const times: number[] = [];
  const out = `[data-cell-id="${b}"] .output-text`;
  for (const v of values) {
    times.push(await change(page, `[data-cell-id="${a}"]`, out, v, `${v * 7}`));
  }
  return median(times);
}

/** Runs the benchmark and prints a table; returns the figures. */
export async function main(options: { changes?: number } = {}): Promise<WidgetBenchFigures> {
  const n = options.changes ?? 20;
  const server = await startServer();
  const browser = await launchBrowser();
  try {
    const made = await server.api("POST", "/v1/notebooks/create", { name: "W", path: "w" });
    const sid = made.body.sessionId;
    const add = async (source: string) =>
      (await server.api("POST", `/v1/notebooks/${sid}/cells`, { source })).body.cellId as string;
    const a = await add(`const n = ui.slider({ min: 0, max: ${4 * n + 10}, value: 0 })`);
    const b = await add("n.value * 7");
    await server.api("POST", `/v1/notebooks/${sid}/run-all`);
    const page = await browser.newPage();
    await page.goto(`${server.url}/notebooks/w`);
    await waitReady(page);
    const fresh = Array.from({ length: n }, (_, i) => i + 1);
    const editorUncached = await measure(page, a, b, fresh);
    const editorCached = await measure(page, a, b, fresh);
    const app = await (await browser.newContext()).newPage();
    await app.goto(`${server.url}/apps/w`);
    await waitReady(app);
    const appFresh = Array.from({ length: n }, (_, i) => n + i + 1);
    const appUncached = await measure(app, a, b, appFresh);
    const appCached = await measure(app, a, b, appFresh);
    const figures: WidgetBenchFigures = {
      changes: n,
      editor: {
        uncachedMs: round(editorUncached),
        cachedMs: round(editorCached),
        ratio: round(editorCached / editorUncached, 3),
      },
      app: {
        uncachedMs: round(appUncached),
        cachedMs: round(appCached),
        ratio: round(appCached / appUncached, 3),
      },
    };
    console.log(`widget change → dependent output visible, median of ${n} changes`);
    console.log("surface   uncached ms   cached ms   cached/uncached");
    for (const [k, f] of [["editor", figures.editor], ["app", figures.app]] as const) {
      console.log(
        `${k.padEnd(8)}  ${String(f.uncachedMs).padStart(11)}   ${
          String(f.cachedMs).padStart(9)
        }   ${f.ratio}`,
      );
    }
    return figures;
  } finally {
    await browser.close();
    await server.close();
  }
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

if (import.meta.main) await main();
