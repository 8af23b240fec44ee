/**
 * NATS dispatch (issue 21), each figure against a baseline measured in the same run, on a
 * throwaway nats-server:
 *  1. dispatch overhead: a no-op job through NATS to a worker whose executor answers at once,
 *     vs calling that executor directly (p50, p99; aim ≤ 2 ms and ≤ 10 ms);
 *  2. a trivial cell end to end through NATS to a warm-pool worker vs the same warm executor
 *     called locally (p50, p99);
 *  3. trivial cells per second across two warm-pool workers (aim ≥ 100/s), and the same with
 *     the answer-at-once executor (the queue's own ceiling);
 *  4. tenant B's single job start delay while tenant A has 1,000 queued (20 ms jobs; aim p99 ≤
 *     one job + 50 ms).
 * Run: scripts/deno run -A bench/nats_bench.ts
 */
import { createExecutor, type Executor } from "../lib/executor/executor.ts";
import type { CellJob, CellResult } from "../lib/executor/types.ts";
import { connectNats } from "../lib/cluster/jetstream.ts";
import { type NatsExecutor, natsExecutor } from "../lib/cluster/nats_executor.ts";
import { type NatsWorker, startNatsWorker } from "../lib/cluster/nats_worker.ts";
import { startNats } from "../lib/cluster/_test_nats.ts";

/** An executor that answers at once (or after delayMs): isolates the dispatch path. */
function stubExecutor(delayMs = 0): Executor {
  const runBatch = async (jobs: CellJob[]) => {
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    return jobs.map((j): CellResult => ({
      cellId: j.cellId,
      status: "ok",
      outputs: [],
      displays: [],
      console: [],
      consoleTruncated: false,
      durationMs: delayMs,
    }));
  };
  return {
    run: async (j) => (await runBatch([j]))[0],
    runBatch,
    warm() {},
    stats: () => ({ keys: 0, idle: 0, live: 0 }),
    close: () => Promise.resolve(),
  };
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function timed(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    out.push(performance.now() - t);
  }
  return out;
}

const r2 = (x: number) => Math.round(x * 100) / 100;

/** Runs the benchmark; returns its figures (also printed). */
export async function main(): Promise<Record<string, unknown>> {
  const nats = await startNats();
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "strata-natsb-" }));
  const home = Deno.env.get("HOME");
  const childEnv: Record<string, string> = home ? { HOME: home } : {};
  await Deno.mkdir(`${dir}/nb`);
  await Deno.mkdir(`${dir}/ws`);
  const permissions = { notebookDir: `${dir}/nb` };
  const job = (i: number): CellJob => ({
    cellId: `c${i}`,
    source: `const y = ${i};`,
    inputs: [],
    outputs: [],
    permissions,
  });
  const started: { workers: NatsWorker[]; ex?: NatsExecutor } = { workers: [] };
  const out: Record<string, unknown> = {};
  const connect = (name: string) => connectNats({ servers: nats.urls, name });
  async function cluster(
    workers: (() => Executor)[],
    limits: { interactive: number; maxActive: number },
  ) {
    for (const w of started.workers) await w.shutdown();
    await started.ex?.close();
    started.workers = [];
    const names = { stream: `B${crypto.randomUUID().slice(0, 8)}`, prefix: `b${Date.now()}` };
    const ex = await natsExecutor({
      nc: await connect("bench"),
      ownsConnection: true,
      names,
      tenantMaxInteractive: limits.interactive,
    });
    started.ex = ex;
    for (let i = 0; i < workers.length; i++) {
      started.workers.push(
        await startNatsWorker({
          nc: await connect(`w${i}`),
          ownsConnection: true,
          executor: workers[i](),
          workspaceDir: `${dir}/ws`,
          name: `w${i}`,
          names,
          maxActive: limits.maxActive,
          discoverMs: 100,
        }),
      );
    }
    await ex.run(job(-1)); // declares the consumer; workers start pulling
    return ex;
  }
  try {
    // 1. Dispatch overhead.
    const stub = stubExecutor();
    const direct = await timed(200, (i) => stub.run(job(i)));
    let ex = await cluster([() => stubExecutor()], { interactive: 4, maxActive: 4 });
    await timed(20, (i) => ex.run(job(i)));
    const viaNats = await timed(300, (i) => ex.run(job(i)));
    out.dispatch = {
      p50: r2(pct(viaNats, 50) - pct(direct, 50)),
      p99: r2(pct(viaNats, 99) - pct(direct, 99)),
      aim: "p50 <= 2 ms, p99 <= 10 ms",
    };
    console.log(
      `dispatch overhead (no-op job, NATS round trip): p50 ${r2(pct(viaNats, 50))} ms, p99 ${
        r2(pct(viaNats, 99))
      } ms; direct call p50 ${r2(pct(direct, 50))} ms`,
    );

    // 2. A trivial cell end to end: NATS + warm pool vs the warm pool alone.
    const local = createExecutor({ scratchRoot: dir, childEnv, poolSize: 1 });
    await local.run(job(0));
    const localMs = await timed(30, (i) => local.run(job(i)));
    await local.close();
    ex = await cluster([() => createExecutor({ scratchRoot: dir, childEnv, poolSize: 1 })], {
      interactive: 4,
      maxActive: 4,
    });
    const natsMs = await timed(30, (i) => ex.run(job(i)));
    out.trivialCell = {
      localP50: r2(pct(localMs, 50)),
      localP99: r2(pct(localMs, 99)),
      natsP50: r2(pct(natsMs, 50)),
      natsP99: r2(pct(natsMs, 99)),
      ratioP50: r2(pct(natsMs, 50) / pct(localMs, 50)),
    };
    console.log(
      `trivial cell: local warm p50 ${r2(pct(localMs, 50))} ms p99 ${
        r2(pct(localMs, 99))
      } ms; via NATS p50 ${r2(pct(natsMs, 50))} ms p99 ${r2(pct(natsMs, 99))} ms (x${
        r2(pct(natsMs, 50) / pct(localMs, 50))
      })`,
    );

    // 3. Throughput across two workers.
    const through = async (n: number) => {
      const t = performance.now();
      const rs = await Promise.all(Array.from({ length: n }, (_, i) => ex.run(job(i))));
      const bad = rs.filter((r) => r.status !== "ok").length;
      if (bad) {
        throw new Error(`${bad} of ${n} cells failed: ${rs.find((r) => r.error)?.error?.message}`);
      }
      return n / ((performance.now() - t) / 1000);
    };
    ex = await cluster(
      [0, 1].map(() => () => createExecutor({ scratchRoot: dir, childEnv, poolSize: 2 })),
      { interactive: 8, maxActive: 4 },
    );
    const cellsPerS = await through(120);
    ex = await cluster([0, 1].map(() => () => stubExecutor()), { interactive: 64, maxActive: 32 });
    const stubPerS = await through(2000);
    out.throughput = {
      trivialCellsPerS: Math.round(cellsPerS),
      noopJobsPerS: Math.round(stubPerS),
      aim: ">= 100 cells/s",
    };
    console.log(
      `two workers: ${Math.round(cellsPerS)} trivial cells/s (a child per cell); ` +
        `${Math.round(stubPerS)} no-op jobs/s (the queue's ceiling)`,
    );

    // 4. Fairness: tenant B's start delay while tenant A has 1,000 queued (20 ms jobs).
    ex = await cluster([0, 1].map(() => () => stubExecutor(20)), { interactive: 2, maxActive: 4 });
    const a = ex.forScope({ tenantHash: "tenantA" });
    const b = ex.forScope({ tenantHash: "tenantB" });
    await b.run(job(0));
    const flood = Promise.all(Array.from({ length: 1000 }, (_, i) => a.run(job(i))));
    await new Promise((r) => setTimeout(r, 300));
    const delays = await timed(20, (i) => b.run(job(i)));
    const stillQueued = started.workers.length; // A keeps both workers busy meanwhile
    await flood;
    out.fairness = {
      bP50: r2(pct(delays, 50)),
      bP99: r2(pct(delays, 99)),
      aim: "p99 <= 20 + 50 ms",
      workers: stillQueued,
    };
    console.log(
      `tenant B's job while A has 1,000 queued: p50 ${r2(pct(delays, 50))} ms, p99 ${
        r2(pct(delays, 99))
      } ms (job 20 ms; aim p99 <= 70 ms)`,
    );
    return out;
  } finally {
    for (const w of started.workers) await w.shutdown();
    await started.ex?.close();
    await nats.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) await main();
