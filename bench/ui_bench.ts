/**
 * UI benchmark: island bundle sizes (raw and gzip) and, for a 50-cell notebook with outputs, the
 * editor page's server render time, first contentful paint, hydration and CodeMirror-ready times
 * in headless Chromium, the time until every cell in view has its editor, the longest task while
 * the page loads, plus the cumulative layout shift while it loads. Cold = first load (empty HTTP
 * cache), warm = median of the following loads. Then typing: 40 keys into the first cell, from the
 * first key to the frame after the last (median of 3), the page's cost per keystroke.
 * Run: scripts/deno run -A bench/ui_bench.ts [cells=50]   (needs /usr/bin/chromium)
 */
import { launchBrowser } from "../tests/browser/_browser.ts";
import { startServer } from "../tests/_server.ts";

/** Figures: sizes in bytes, times in milliseconds. */
export interface UiBenchFigures {
  bundles: Record<string, { raw: number; gzip: number }>;
  cells: number;
  htmlBytes: number;
  serverRenderMs: number;
  cold: LoadFigures;
  warm: LoadFigures;
  /** 40 keys typed into the first cell's editor, to the frame after the last (median of 3). */
  typing40Ms: number;
}

/** One page load as the browser measured it. */
export interface LoadFigures {
  firstContentfulPaintMs: number;
  hydratedMs: number;
  editorsReadyMs: number;
  /** Every cell that shows in the viewport has its editor (polled each frame). */
  viewEditorsMs: number;
  /** The longest task on the page's main thread from navigation to 1 s after that. */
  longestTaskMs: number;
  layoutShift: number;
}

/** Runs the benchmark and prints a table; returns the figures. */
export async function main(
  options: { cells?: number; loads?: number } = {},
): Promise<UiBenchFigures> {
  const cellCount = options.cells ?? 50;
  const loads = options.loads ?? 6;
  const server = await startServer();
  const browser = await launchBrowser();
  try {
    const made = await server.api("POST", "/v1/notebooks/create", {
      name: "UI bench",
      path: "ui-bench",
    });
    const sid = made.body.sessionId;
    let after: string | null = null;
    for (let i = 0; i < cellCount; i++) {
      const source = i % 10 === 9
        ? `// @name table${i}\nArray.from({ length: 30 }, (_, k) => ({ k, v${i}: k * ${i} }))`
        : i === 0
        ? "const base = 1"
        : `// a derived value\nconst v${i} = base + ${i};\nv${i} * 2`;
      const r: { body: { cellId: string } } = await server.api(
        "POST",
        `/v1/notebooks/${sid}/cells`,
        { source, after },
      );
      after = r.body.cellId;
    }
    await server.api("POST", `/v1/notebooks/${sid}/run-all`);

    // The first page request also bundles the islands (lazy build); time the second one.
    await (await fetch(`${server.url}/notebooks/ui-bench`)).text();
    const t0 = performance.now();
    const html = await (await fetch(`${server.url}/notebooks/ui-bench`)).text();
    const serverRenderMs = performance.now() - t0;

    const bundles: UiBenchFigures["bundles"] = {};
    for (const m of html.matchAll(/(?:src|href)="(\/static\/[0-9a-f]+\/([a-z_]+\.(?:js|css)))"/g)) {
      const bytes = new Uint8Array(await (await fetch(server.url + m[1])).arrayBuffer());
      bundles[m[2]] = { raw: bytes.length, gzip: await gzipSize(bytes) };
    }
    const dag = /"dagLayout":"([^"]+)"/.exec(html)?.[1];
    if (dag) {
      const bytes = new Uint8Array(await (await fetch(server.url + dag)).arrayBuffer());
      bundles["dag_layout.js"] = { raw: bytes.length, gzip: await gzipSize(bytes) };
    }

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(() => {
      const w = globalThis as unknown as { benchLong: number[]; benchView?: number };
      w.benchLong = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.benchLong.push(e.duration);
      }).observe({ type: "longtask", buffered: true });
      const poll = () => {
        const inView = [...document.querySelectorAll(".cell")].filter((c) => {
          const r = c.getBoundingClientRect();
          return r.bottom > 0 && r.top < innerHeight;
        });
        if (inView.length > 0 && inView.every((c) => c.querySelector(".cm-editor"))) {
          w.benchView = performance.now();
        } else requestAnimationFrame(poll);
      };
      requestAnimationFrame(poll);
    });
    const page = await context.newPage();
    const samples: LoadFigures[] = [];
    for (let i = 0; i < loads; i++) {
      await page.goto(`${server.url}/notebooks/ui-bench`);
      await page.waitForSelector("html[data-editors='ready']", { timeout: 30_000 });
      await page.waitForFunction(
        () => (globalThis as unknown as { benchView?: number }).benchView !== undefined,
        null,
        { timeout: 60_000 },
      );
      await page.waitForTimeout(1000);
      samples.push(
        await page.evaluate(async () => {
          const fcp = performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? NaN;
          const mark = (n: string) => performance.getEntriesByName(n)[0]?.startTime ?? NaN;
          // Layout shifts are only reported to observers (buffered), not by getEntriesByType.
          const shift = await new Promise<number>((resolve) => {
            let total = 0;
            const po = new PerformanceObserver((list) => {
              for (const e of list.getEntries()) total += (e as unknown as { value: number }).value;
            });
            po.observe({ type: "layout-shift", buffered: true });
            setTimeout(() => {
              po.disconnect();
              resolve(total);
            }, 50);
          });
          const w = globalThis as unknown as { benchLong: number[]; benchView: number };
          return {
            firstContentfulPaintMs: fcp,
            hydratedMs: mark("strata:hydrated"),
            editorsReadyMs: mark("strata:editors-ready"),
            viewEditorsMs: w.benchView,
            longestTaskMs: Math.max(0, ...w.benchLong),
            layoutShift: shift,
          };
        }),
      );
    }
    const typing: number[] = [];
    const first = page.locator(".cell").nth(0).locator(".cm-content");
    for (let i = 0; i < 3; i++) {
      await first.click();
      await page.keyboard.press("Control+End");
      const t0 = performance.now();
      await page.keyboard.type(" + 1234567890".repeat(3) + "abcd");
      await page.evaluate(() =>
        new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res)))
      );
      typing.push(performance.now() - t0);
      for (let k = 0; k < 40; k++) await page.keyboard.press("Backspace");
    }
    const [cold, ...rest] = samples;
    const figures: UiBenchFigures = {
      bundles,
      cells: cellCount,
      htmlBytes: html.length,
      serverRenderMs,
      cold,
      warm: {
        firstContentfulPaintMs: median(rest.map((s) => s.firstContentfulPaintMs)),
        hydratedMs: median(rest.map((s) => s.hydratedMs)),
        editorsReadyMs: median(rest.map((s) => s.editorsReadyMs)),
        viewEditorsMs: median(rest.map((s) => s.viewEditorsMs)),
        longestTaskMs: median(rest.map((s) => s.longestTaskMs)),
        layoutShift: median(rest.map((s) => s.layoutShift)),
      },
      typing40Ms: median(typing),
    };
    print(figures);
    return figures;
  } finally {
    await browser.close();
    await server.close();
  }
}

async function gzipSize(bytes: Uint8Array): Promise<number> {
  const stream = new Blob([bytes.slice().buffer]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return (await new Response(stream).arrayBuffer()).byteLength;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
}

function print(f: UiBenchFigures): void {
  console.log("island bundles (bytes):");
  for (const [name, b] of Object.entries(f.bundles)) {
    console.log(
      `  ${name.padEnd(14)} raw ${String(b.raw).padStart(7)}  gzip ${
        String(b.gzip).padStart(6)
      }  (${(b.gzip / b.raw).toFixed(2)})`,
    );
  }
  console.log(
    `editor page, ${f.cells} cells: HTML ${f.htmlBytes} bytes, server answer ${
      f.serverRenderMs.toFixed(1)
    } ms`,
  );
  for (const [label, l] of [["cold", f.cold], ["warm", f.warm]] as const) {
    console.log(
      `  ${label}: first contentful paint ${l.firstContentfulPaintMs.toFixed(0)} ms, hydrated ${
        l.hydratedMs.toFixed(0)
      } ms, ` +
        `editors ready ${l.editorsReadyMs.toFixed(0)} ms, every cell in view has its editor ${
          l.viewEditorsMs.toFixed(0)
        } ms, longest task ${l.longestTaskMs.toFixed(0)} ms, layout shift ${
          l.layoutShift.toFixed(4)
        }`,
    );
  }
  console.log(
    `  typing 40 keys into the first cell: ${f.typing40Ms.toFixed(0)} ms (${
      (f.typing40Ms / 40).toFixed(1)
    } ms a key)`,
  );
  console.log(
    `  hydration after first paint: ${
      (f.warm.hydratedMs / f.warm.firstContentfulPaintMs).toFixed(2)
    }x`,
  );
}

if (import.meta.main) await main({ cells: Number(Deno.args[0] ?? 50) });
