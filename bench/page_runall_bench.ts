/**
 * A page open on a notebook while a cached run-all of it happens (issue 20): how many socket
 * messages the page receives and how long its main thread is busy (long tasks, > 50 ms each) until
 * the run's events are handled and rendered, in headless Chromium. The baseline is the same page
 * while a run of one cached cell happens.
 * Run: scripts/deno run -A bench/page_runall_bench.ts [cells=300]   (needs /usr/bin/chromium)
 */
import { launchBrowser, screenshot } from "../tests/browser/_browser.ts";
import { startServer } from "../tests/_server.ts";

interface Trial {
  messages: number;
  longTaskMs: number;
  settledMs: number;
  /** When the server answered the API call that ran the cells. */
  answeredMs: number;
}

export async function main(cells = 300): Promise<Record<string, Trial>> {
  const server = await startServer();
  const browser = await launchBrowser();
  try {
    const made = await server.api("POST", "/v1/notebooks/create", { name: "P", path: "p" });
    const sid = made.body.sessionId;
    let after: string | null = null;
    let first = "";
    for (let i = 0; i < cells; i++) {
      const source = i === 0 ? "const v0 = 1" : `const v${i} = v${i - 1} + ${i};\nv${i}`;
      const r: { body: { cellId: string } } = await server.api(
        "POST",
        `/v1/notebooks/${sid}/cells`,
        { source, after },
      );
      after = r.body.cellId;
      first ||= after;
    }
    await server.api("POST", `/v1/notebooks/${sid}/run-all`);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(() => {
      const w = window as unknown as { __msgs: number; __last: number; __busy: number };
      w.__msgs = 0;
      w.__last = 0;
      w.__busy = 0;
      const Orig = WebSocket;
      // deno-lint-ignore no-explicit-any
      (window as any).WebSocket = class extends Orig {
        constructor(url: string | URL, protocols?: string | string[]) {
          super(url, protocols);
          this.addEventListener("message", () => {
            w.__msgs++;
            // Handled and rendered: the frame after the one this message's work ends in.
            requestAnimationFrame(() => setTimeout(() => w.__last = performance.now(), 0));
          });
        }
      };
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__busy += e.duration;
      }).observe({ type: "longtask", buffered: false });
    });
    const page = await context.newPage();
    await page.goto(`${server.url}/notebooks/p`);
    await page.waitForSelector("html[data-editors='ready']", { timeout: 60_000 });
    await page.waitForTimeout(500);
    const trial = async (run: () => Promise<unknown>): Promise<Trial> => {
      await page.evaluate(() => {
        const w = window as unknown as { __msgs: number; __last: number; __busy: number };
        w.__msgs = 0;
        w.__busy = 0;
        w.__last = performance.now();
      });
      const t0 = await page.evaluate(() => performance.now());
      const sent = performance.now();
      await run();
      const answeredMs = performance.now() - sent;
      // Quiet: no message handled for 500 ms.
      await page.waitForFunction(
        () => {
          const w = window as unknown as { __last: number };
          return performance.now() - w.__last > 500;
        },
        undefined,
        { polling: 100, timeout: 120_000 },
      );
      return await page.evaluate((t0) => {
        const w = window as unknown as { __msgs: number; __last: number; __busy: number };
        return { messages: w.__msgs, longTaskMs: w.__busy, settledMs: w.__last - t0 };
      }, t0).then((t) => ({ ...t, answeredMs }));
    };
    const out: Record<string, Trial> = {};
    const ones: Trial[] = [];
    const runs: Trial[] = [];
    const forced: Trial[] = [];
    const api = (path: string) => () => server.api("POST", `/v1/notebooks/${sid}${path}`);
    for (let i = 0; i < 3; i++) {
      ones.push(await trial(api(`/cells/${first}/execute`)));
      runs.push(await trial(api("/run-all")));
      forced.push(await trial(api("/run-all?mode=force")));
    }
    // What the page shows after the last forced run (look at it: every cell ran, none stuck).
    await screenshot(page, "page-runall-after-forced");
    const med = (xs: Trial[], k: keyof Trial) => xs.map((x) => x[k]).sort((a, b) => a - b)[1];
    const named: [string, Trial[]][] = [
      ["one cached cell", ones],
      [`cached run-all, ${cells} cells`, runs],
      [`forced run-all, ${cells} cells`, forced],
    ];
    for (const [name, xs] of named) {
      const t = out[name] = {
        messages: med(xs, "messages"),
        longTaskMs: med(xs, "longTaskMs"),
        settledMs: med(xs, "settledMs"),
        answeredMs: med(xs, "answeredMs"),
      };
      console.log(
        `${name.padEnd(30)} socket messages ${String(t.messages).padStart(5)}   page long tasks ${
          t.longTaskMs.toFixed(0).padStart(5)
        } ms   settled after ${t.settledMs.toFixed(0).padStart(5)} ms (answer after ${
          t.answeredMs.toFixed(0)
        } ms)`,
      );
    }
    return out;
  } finally {
    await browser.close();
    await server.close();
  }
}

if (import.meta.main) await main(Number(Deno.args[0] ?? 300));
