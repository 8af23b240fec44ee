/**
 * Issue 20: what the editor's type checks cost everyone else's requests. Five 100-cell notebooks
 * (typed cells, as bench/langservice_bench.ts writes them) are opened on a real server; then each is
 * edited once a second (EDIT_MS; an edit starts a background check of the whole notebook 200 ms later, as
 * when someone types), while `/health` is timed every 20 ms. Baseline: `/health` on the same
 * server while nothing is edited (after the first check, which loads the compiler, settled).
 * Also printed: how long an edit's own PUT and a completion took during the edits.
 *
 *   scripts/deno run -A bench/typecheck_latency_bench.ts      (BENCH_SECONDS, default 10)
 */
import { startServer } from "../tests/_server.ts";
import { writeNotebook } from "./_notebooks.ts";
import { V8_FLAGS } from "../lib/launcher/launch.ts";
import { median } from "./_load.ts";
import { cellSource } from "./langservice_bench.ts";

const NOTEBOOKS = 5;
const CELLS = 100;
const EDIT_MS = 1000;

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
}

async function timeMs(f: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await f();
  return performance.now() - t;
}

/** The figures (ms). */
export interface TypeCheckLatency {
  idleP50: number;
  idleP99: number;
  editingP50: number;
  editingP99: number;
  editingMax: number;
  edits: number;
  editPutP50: number;
  completeP50: number;
  completeP90: number;
}

export async function main(): Promise<TypeCheckLatency> {
  const s = await startServer({ STRATA_RATE_LIMIT_ENABLED: "false", DENO_V8_FLAGS: V8_FLAGS });
  const seconds = Number(Deno.env.get("BENCH_SECONDS") ?? 10);
  try {
    const books: { sid: string; ids: string[] }[] = [];
    for (let k = 0; k < NOTEBOOKS; k++) {
      const dir = `${s.dir}/notebooks/tc${k}`;
      const ids = await writeNotebook(dir, CELLS, cellSource);
      // An edit re-runs nothing by itself: the row measures type checks, not cell runs.
      await Deno.writeTextFile(`${dir}/notebook.toml`, '\n[runtime]\non_change = "lazy"\n', {
        append: true,
      });
      const o = await s.api("POST", "/v1/notebooks/open", { path: `tc${k}` });
      if (o.status !== 200 && o.status !== 201) throw new Error(`open: ${o.status}`);
      books.push({ sid: o.body.sessionId, ids });
    }
    const health = () => timeMs(async () => await (await fetch(`${s.url}/health`)).arrayBuffer());
    const edit = async (b: { sid: string; ids: string[] }, n: number) => {
      const r = await s.api("PUT", `/v1/notebooks/${b.sid}/cells/${b.ids[60]}`, {
        source: cellSource(60, String(n)),
      });
      if (r.status !== 200) throw new Error(`edit: ${r.status} ${JSON.stringify(r.body)}`);
    };
    const complete = async (b: { sid: string; ids: string[] }) => {
      const c = await s.api("POST", `/v1/notebooks/${b.sid}/cells/${b.ids[99]}/complete`, {
        source: "rows98[0].am",
        offset: 12,
      });
      if (!c.body.items?.some((i: { label: string }) => i.label === "amount")) {
        throw new Error(`complete: ${JSON.stringify(c.body)}`);
      }
    };
    // The first edit of each builds its type service (the compiler and declarations load once).
    for (const [k, b] of books.entries()) {
      await edit(b, -1 - k);
      await complete(b);
    }
    for (let fast = 0, end = performance.now() + 60_000; fast < 40 && performance.now() < end;) {
      fast = (await health()) < 10 ? fast + 1 : 0;
      await new Promise((r) => setTimeout(r, 20));
    }
    const sample = async (untilMs: number) => {
      const times: number[] = [];
      while (performance.now() < untilMs) {
        times.push(await health());
        await new Promise((r) => setTimeout(r, 20));
      }
      return times;
    };
    const idle = await sample(performance.now() + 3000);
    const until = performance.now() + seconds * 1000;
    const puts: number[] = [];
    const completes: number[] = [];
    let edits = 0;
    const editing = async (b: { sid: string; ids: string[] }, k: number) => {
      await new Promise((r) => setTimeout(r, (EDIT_MS / NOTEBOOKS) * k)); // staggered
      for (let n = 0; performance.now() < until; n++) {
        puts.push(await timeMs(() => edit(b, n)));
        edits++;
        if (n % 3 === 2) completes.push(await timeMs(() => complete(b)));
        await new Promise((r) => setTimeout(r, EDIT_MS));
      }
    };
    const [busy] = await Promise.all([sample(until), ...books.map((b, k) => editing(b, k))]);
    const out: TypeCheckLatency = {
      idleP50: median(idle),
      idleP99: percentile(idle, 0.99),
      editingP50: median(busy),
      editingP99: percentile(busy, 0.99),
      editingMax: Math.max(...busy),
      edits,
      editPutP50: median(puts),
      completeP50: median(completes),
      completeP90: percentile(completes, 0.9),
    };
    const f = (x: number) => x.toFixed(1);
    console.log(
      `/health while ${NOTEBOOKS} notebooks of ${CELLS} typed cells are edited (${edits} edits, ` +
        `each re-checks its notebook): p50 ${f(out.editingP50)} ms, p99 ${f(out.editingP99)} ms, ` +
        `max ${f(out.editingMax)} ms; idle p50 ${f(out.idleP50)} ms, p99 ${f(out.idleP99)} ms ` +
        `(p99 ${(out.editingP99 / out.idleP99).toFixed(1)}× idle)`,
    );
    console.log(
      `  an edit's PUT p50 ${f(out.editPutP50)} ms; a completion during the edits p50 ` +
        `${f(out.completeP50)} ms, p90 ${f(out.completeP90)} ms`,
    );
    return out;
  } finally {
    await s.close();
  }
}

if (import.meta.main) await main();
