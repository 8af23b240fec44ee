/**
 * A large value between two cells, through a real server: how fast it travels and whether the
 * server keeps answering. Phase 1 runs a cell producing an N MB Uint8Array (child → server →
 * artifact store); phase 2 runs a cell reading it (artifact store → server → a fresh child).
 * During each phase /health is polled every 10 ms; its p50/p99/max are printed beside the same
 * server's idle /health figures measured first in the same run (the baseline). The aim is
 * p99 < 50 ms during the transfer.
 * Run: scripts/deno run -A bench/large_value_bench.ts [MB]   (default 200)
 */

import { startServer, type TestServer } from "../tests/_server.ts";

/** Latency figures of one phase, in ms. */
export interface HealthFigures {
  samples: number;
  p50: number;
  p99: number;
  max: number;
}

/** What the benchmark reports. */
export interface LargeValueReport {
  mb: number;
  baseline: HealthFigures;
  produce: { ms: number; mbPerS: number; health: HealthFigures };
  consume: { ms: number; mbPerS: number; health: HealthFigures };
}

/** Runs the benchmark and returns its figures (also printed). */
export async function main(mb = 200): Promise<LargeValueReport> {
  const s = await startServer({ STRATA_CELL_MEMORY_MB: String(Math.max(1024, mb * 4)) });
  try {
    let r = await s.api("POST", "/v1/notebooks/create", { name: "large value" });
    const sid = r.body.sessionId;
    r = await s.api("POST", `/v1/notebooks/${sid}/cells`, {
      source: `// @timeout 600\nconst big = new Uint8Array(${mb} << 20);\n` +
        "for (let i = 0; i < big.length; i += 4096) big[i] = i % 251;",
    });
    const producer = r.body.cellId;
    r = await s.api("POST", `/v1/notebooks/${sid}/cells`, {
      source:
        "// @timeout 600\nlet sum = 0;\nfor (let i = 0; i < big.length; i += 4096) sum += big[i];\n" +
        "`${big.length} ${sum}`",
    });
    const consumer = r.body.cellId;
    // Warm the pool and the parser with a small run first.
    await s.api("POST", `/v1/notebooks/${sid}/cells`, { source: "1 + 1" });

    const baseline = await pollWhile(s, sleep(2_000));
    const t0 = performance.now();
    const made = await pollWhile(
      s,
      s.api("POST", `/v1/notebooks/${sid}/cells/${producer}/execute`),
    );
    const produceMs = performance.now() - t0;
    if (made.result.status !== 200) throw new Error(`produce: ${JSON.stringify(made.result.body)}`);
    const t1 = performance.now();
    const used = await pollWhile(
      s,
      s.api("POST", `/v1/notebooks/${sid}/cells/${consumer}/execute`),
    );
    const consumeMs = performance.now() - t1;
    const cells = used.result.body?.state?.cells ?? [];
    const out = cells.find((c: { id: string }) => c.id === consumer)?.outputs;
    const shown = JSON.stringify(out?.displays ?? out?.error ?? out);
    if (!shown.includes(String(mb << 20))) throw new Error(`consume: ${shown.slice(0, 300)}`);
    const report: LargeValueReport = {
      mb,
      baseline: baseline.health,
      produce: { ms: produceMs, mbPerS: mb / (produceMs / 1000), health: made.health },
      consume: { ms: consumeMs, mbPerS: mb / (consumeMs / 1000), health: used.health },
    };
    const f = (h: HealthFigures) =>
      `p50 ${h.p50.toFixed(1)} ms, p99 ${h.p99.toFixed(1)} ms, max ${
        h.max.toFixed(1)
      } ms (${h.samples} samples)`;
    console.log(`large value: ${mb} MB Uint8Array`);
    console.log(`  /health idle (baseline):   ${f(report.baseline)}`);
    console.log(
      `  produce (cell → store):    ${produceMs.toFixed(0)} ms, ${
        report.produce.mbPerS.toFixed(0)
      } MB/s; /health ${f(made.health)}; p99 ratio ${
        (made.health.p99 / Math.max(0.1, baseline.health.p99)).toFixed(1)
      }x baseline (aim: p99 < 50 ms)`,
    );
    console.log(
      `  consume (store → cell):    ${consumeMs.toFixed(0)} ms, ${
        report.consume.mbPerS.toFixed(0)
      } MB/s; /health ${f(used.health)}; p99 ratio ${
        (used.health.p99 / Math.max(0.1, baseline.health.p99)).toFixed(1)
      }x baseline (aim: p99 < 50 ms)`,
    );
    return report;
  } finally {
    await s.close();
  }
}

/** Polls /health every 10 ms until `work` settles; returns its result and the latencies. */
async function pollWhile<T>(
  s: TestServer,
  work: Promise<T>,
): Promise<{ result: T; health: HealthFigures }> {
  let done = false;
  const settled = work.finally(() => done = true);
  const times: number[] = [];
  while (!done) {
    const t = performance.now();
    const res = await fetch(`${s.url}/health`);
    await res.body?.cancel();
    times.push(performance.now() - t);
    await sleep(10);
  }
  const result = await settled;
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
  return {
    result,
    health: { samples: times.length, p50: at(0.5), p99: at(0.99), max: times.at(-1) ?? 0 },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

if (import.meta.main) await main(Number(Deno.args[0] ?? 200));
