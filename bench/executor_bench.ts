/**
 * Executor overhead, each figure against a baseline measured in the same run:
 *  1. one trivial cell through the warm pool vs evaluating the same code in-process;
 *  2. per-cell time inside a batched run of 20 cells vs in-process evaluation;
 *  3. a cold run of 20 small cells (no warm child) vs one `deno run` of the concatenated code.
 * Run: scripts/deno run -A bench/executor_bench.ts
 */

import { encodeValue } from "../lib/executor/codecs.ts";
import { loadCellParser } from "../lib/executor/cell_module.ts";
import { createExecutor } from "../lib/executor/executor.ts";
import type { CellJob } from "../lib/executor/types.ts";

/** One measured figure. */
export interface Figure {
  name: string;
  ms: number;
  baselineMs: number;
  ratio: number;
  aim: string;
}

const N_SINGLE = 30;
const N_BATCH = 20;

/** Runs the benchmark and returns its figures (also printed). */
export async function main(options: { quiet?: boolean } = {}): Promise<Figure[]> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "strata-bench-" }));
  const home = Deno.env.get("HOME");
  const ex = createExecutor({ scratchRoot: dir, childEnv: home ? { HOME: home } : {} });
  const permissions = { notebookDir: dir };
  const x = encodeValue("x", 2);
  if (!x.ok) throw new Error(x.message);
  const single = (i: number): CellJob => ({
    cellId: `c${i}`,
    source: `const y${i} = x * 21;\ny${i}`,
    inputs: [x.value],
    outputs: [],
    permissions,
  });
  const chain = (prefix: string): CellJob[] =>
    Array.from({ length: N_BATCH }, (_, i) => ({
      cellId: `${prefix}${i}`,
      source: i === 0 ? `const v0 = 1;` : `const v${i} = v${i - 1} + ${i};`,
      inputs: [],
      carry: i === 0 ? [] : [`v${i - 1}`],
      outputs: [`v${i}`],
      permissions,
    }));
  try {
    await loadCellParser();
    // Warm-up: start the pool, load caches.
    for (let i = 0; i < 5; i++) await ex.run(single(i));
    await ex.runBatch(chain("w"));

    // Interactive use: the replacement child has started by the time the next cell runs.
    const singleMs = await median(N_SINGLE, async (i) => {
      const r = await ex.run(single(i));
      if (r.status !== "ok") throw new Error(r.error?.message);
    }, 150);
    // The same with a type annotation: TypeScript runs with its types erased (_erase_types.ts).
    const typedMs = await median(N_SINGLE, async (i) => {
      const r = await ex.run({ ...single(i), source: `const t${i}: number = x * 21;\nt${i}` });
      if (r.status !== "ok") throw new Error(r.error?.message);
    }, 150);
    // Back to back: the replacement may still be starting when the next run arrives.
    const burstMs = await median(N_SINGLE, async (i) => {
      const r = await ex.run(single(i));
      if (r.status !== "ok") throw new Error(r.error?.message);
    });
    const inProcessMs = await median(
      N_SINGLE,
      (i) => importInProcess(`const y${i} = 2 * 21;\nexport default y${i};`),
    );

    // Per cell: batches at an interactive pace, so each finds a started child (a child's start is
    // per batch, not per cell; back to back, it is spread over the cells: the next figure).
    const batchMs = await median(8, async (i) => {
      const rs = await ex.runBatch(chain(`b${i}_`));
      if (rs.some((r) => r.status !== "ok")) throw new Error("batch failed");
    }, 400) / N_BATCH;
    const batchBurstMs = await median(8, async (i) => {
      const rs = await ex.runBatch(chain(`bb${i}_`));
      if (rs.some((r) => r.status !== "ok")) throw new Error("batch failed");
    }) / N_BATCH;
    const batchBaseMs = await median(8, async (k) => {
      for (let i = 0; i < N_BATCH; i++) {
        await importInProcess(`const v${i}_${k} = ${i};\nexport {};`);
      }
    }) / N_BATCH;

    // From a new executor's runBatch to its results, each after a pause: the rows above leave
    // replacement children starting, which a cold run on an idle server does not compete with.
    // Closing the executor (killing its children) is after the results and not timed.
    const colds: number[] = [];
    for (let i = 0; i < 7; i++) {
      await new Promise((r) => setTimeout(r, 300));
      const t = performance.now();
      const cold = createExecutor({
        scratchRoot: dir,
        childEnv: home ? { HOME: home } : {},
      });
      try {
        const rs = await cold.runBatch(
          chain(`cold${i}_`).map((j) => ({
            ...j,
            permissions: { notebookDir: dir, env: [`COLD_${i}`] }, // a key no child is warm for
          })),
        );
        colds.push(performance.now() - t);
        if (rs.some((r) => r.status !== "ok")) throw new Error("cold batch failed");
      } finally {
        await cold.close();
      }
    }
    const coldMs = colds.sort((a, b) => a - b)[3];
    const script = `${dir}/concat.ts`;
    await Deno.writeTextFile(
      script,
      chain("s").map((j) => j.source).join("\n") + `\nconsole.log(v${N_BATCH - 1});\n`,
    );
    const denoRunMs = await median(5, async () => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--no-config", script],
        stdout: "null",
        stderr: "null",
      }).output();
      if (!out.success) throw new Error("deno run failed");
    });

    const figures: Figure[] = [
      figure("single cell, warm pool (ms)", singleMs, inProcessMs, "overhead <= 10 ms"),
      figure("single cell, TypeScript (ms)", typedMs, inProcessMs, "(no aim)"),
      figure("single cell, back to back (ms)", burstMs, inProcessMs, "(no aim)"),
      figure("per cell in a batch of 20 (ms)", batchMs, batchBaseMs, "<= 3 ms/cell"),
      figure("per cell, batches back to back (ms)", batchBurstMs, batchBaseMs, "(no aim)"),
      figure("cold run of 20 cells (ms)", coldMs, denoRunMs, "<= 2x"),
    ];
    for (const f of options.quiet ? [] : figures) {
      console.log(
        `${f.name.padEnd(34)} ${f.ms.toFixed(2).padStart(8)}  baseline ${
          f.baselineMs.toFixed(2).padStart(8)
        }  ratio ${f.ratio.toFixed(2).padStart(6)}x  overhead ${
          (f.ms - f.baselineMs).toFixed(2)
        } ms  (aim ${f.aim})`,
      );
    }
    return figures;
  } finally {
    await ex.close();
    await Deno.remove(dir, { recursive: true });
  }
}

function figure(name: string, ms: number, baselineMs: number, aim: string): Figure {
  return { name, ms, baselineMs, ratio: ms / baselineMs, aim };
}

let counter = 0;
async function importInProcess(code: string): Promise<unknown> {
  // A fresh module each time, like a notebook kernel evaluating a new cell.
  const url = `data:application/typescript;base64,${btoa(`${code}\n// ${counter++}`)}`;
  return await import(url);
}

async function median(
  n: number,
  fn: (i: number) => Promise<unknown>,
  pauseMs = 0,
): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
    const t = performance.now();
    await fn(i);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

if (import.meta.main) await main();
