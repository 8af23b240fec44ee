/**
 * Where a warm single cell's time goes, measured from outside the run path (no marks in the
 * engine or executor): the session's `execute` is timed as a whole, and the services it calls
 * are wrapped and timed — the executor's `runBatch` (acquire a child, send the job, the child's
 * import + run + serialize, the result frame), the child-side part of it (the result's
 * `durationMs`), SQL (`db.query`/`db.transaction`: lookup and record), blob reads and writes
 * (store). What is left is the session's own work: queue, rebuild/provenance, persist, emit.
 * Run with --cpu-prof to see the parent's share per function (docs/performance.md).
 * Run: scripts/deno run -A bench/cell_steps_bench.ts
 */
import { createRuntime } from "../lib/runtime/runtime.ts";
import { fsBlobStore } from "../lib/artifacts/fs_blob_store.ts";
import { openSqlite } from "../lib/db/sqlite.ts";
import { migrate } from "../lib/db/migrate.ts";
import { createExecutor } from "../lib/executor/executor.ts";
import { nullLogger } from "../lib/log.ts";
import { createNotebook } from "../lib/notebook/format.ts";
import { NotebookSession } from "../lib/session/notebook_session.ts";
import { createAuditRecorder } from "../lib/audit/recorder.ts";
import { developmentAuditKey } from "../lib/audit/audit_key.ts";
import type { BlobStore } from "../lib/artifacts/blob_store.ts";
import type { Db } from "../lib/db/types.ts";
import { median } from "./_load.ts";

/** Milliseconds per step (medians over the runs). */
export type Steps = Record<string, number>;

const acc: Record<string, number> = {};
function add(step: string, ms: number) {
  acc[step] = (acc[step] ?? 0) + ms;
}

function timedDb(db: Db): Db {
  let depth = 0;
  const wrap = <T>(p: () => Promise<T>): Promise<T> => {
    if (depth > 0) return p();
    depth++;
    const t = performance.now();
    return p().finally(() => {
      depth--;
      add("sql (lookup + record)", performance.now() - t);
    });
  };
  return new Proxy(db, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (prop === "query" || prop === "exec" || prop === "transaction") {
        // deno-lint-ignore no-explicit-any
        return (...args: any[]) => wrap(() => (v as any).apply(target, args));
      }
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

function timedBlobs(blobs: BlobStore): BlobStore {
  // Wall time while at least one operation of a kind is in flight (puts may overlap).
  const active: Record<string, { n: number; since: number }> = {};
  const t = <A extends unknown[], R>(step: string, f: (...a: A) => Promise<R>) => (...a: A) => {
    const st = active[step] ??= { n: 0, since: 0 };
    if (st.n++ === 0) st.since = performance.now();
    return f(...a).finally(() => {
      if (--st.n === 0) add(step, performance.now() - st.since);
    });
  };
  return {
    get: t("blob read", blobs.get.bind(blobs)),
    put: t("blob write (store)", blobs.put.bind(blobs)),
    has: t("blob has (store dedup / hit check)", blobs.has.bind(blobs)),
    delete: blobs.delete.bind(blobs),
    list: blobs.list.bind(blobs),
  };
}

/** Runs the breakdown and returns it (also printed). */
export async function main(runs = 30): Promise<Steps> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "strata-steps-" }));
  await Deno.mkdir(`${dir}/scratch`);
  const rawDb = openSqlite(`${dir}/strata.db`);
  await migrate(rawDb);
  const db = timedDb(rawDb);
  let marks: Record<string, number> = {};
  const executor = createExecutor({
    scratchRoot: `${dir}/scratch`,
    poolSize: 1,
    childEnv: { HOME: Deno.env.get("HOME") ?? dir },
    onSteps: (_cell, steps) => Object.assign(marks, steps),
  });
  const childMs: number[] = [];
  const timedExecutor = {
    ...executor,
    run: executor.run.bind(executor),
    warm: executor.warm.bind(executor),
    close: executor.close.bind(executor),
    runBatch: async (...a: Parameters<typeof executor.runBatch>) => {
      const t = performance.now();
      try {
        const rs = await executor.runBatch(...a);
        for (const r of rs) childMs.push(r.durationMs);
        return rs;
      } finally {
        add("executor.runBatch (acquire..frame)", performance.now() - t);
      }
    },
  };
  const log = nullLogger();
  const deps = {
    runtime: createRuntime({
      db,
      audit: createAuditRecorder({ db, key: developmentAuditKey(), log }),
      blobs: timedBlobs(fsBlobStore(`${dir}/artifacts`)),
      executor: timedExecutor as typeof executor,
      log,
      denoVersion: Deno.version.deno,
      memoryMb: 512,
      defaultTimeoutSeconds: 60,
    }),
  };
  try {
    await createNotebook(`${dir}/nb`, { name: "steps" });
    const s = await NotebookSession.open(`${dir}/nb`, {
      tenantId: "default",
      tenantHash: "bench",
      path: "nb",
    }, deps);
    const id = await s.addCell({ source: "const y = 2 * 21\ny" });
    for (let i = 0; i < 5; i++) await s.execute(id, "rerun");
    const per: Record<string, number[]> = {};
    const timeline: Record<string, number[]> = {};
    const totals: number[] = [];
    for (let i = 0; i < runs; i++) {
      await new Promise((r) => setTimeout(r, PAUSE_MS)); // interactive pace: the pool has refilled
      for (const k of Object.keys(acc)) delete acc[k];
      childMs.length = 0;
      const t = performance.now();
      marks = { "session: execute called": performance.timeOrigin + t };
      const r = await s.execute(id, "rerun");
      const total = performance.now() - t;
      marks["session: execute returned"] = performance.timeOrigin + performance.now();
      // Each interval is named by the step that ends it (clocks of server and child agree).
      const ordered = Object.entries(marks).sort((a, b) => a[1] - b[1]);
      for (let k = 1; k < ordered.length; k++) {
        (timeline[ordered[k][0]] ??= []).push(ordered[k][1] - ordered[k - 1][1]);
      }
      if (!r.ok) throw new Error("cell failed");
      totals.push(total);
      const child = childMs.reduce((a, b) => a + b, 0);
      const steps: Record<string, number> = {
        ...acc,
        "  of which: child send..result frame": child,
        "  of which: parent prepare + acquire + outputs":
          (acc["executor.runBatch (acquire..frame)"] ?? 0) - child,
      };
      const accounted = Object.entries(acc).reduce((a, [, v]) => a + v, 0);
      steps["session (queue, provenance, persist, emit)"] = total - accounted;
      for (const [k, v] of Object.entries(steps)) (per[k] ??= []).push(v);
    }
    const out: Steps = { total: median(totals) };
    for (const [k, v] of Object.entries(per)) out[k] = median(v);
    console.log(`warm single cell, server side: median of ${runs} (ms)`);
    for (const [k, v] of Object.entries(out)) {
      console.log(`  ${k.padEnd(48)} ${v.toFixed(2).padStart(8)}`);
    }
    console.log(`step by step (ms from the previous step to this one; median of ${runs})`);
    for (const [k, v] of Object.entries(timeline)) {
      out[`step: ${k}`] = median(v);
      console.log(`  ${k.padEnd(48)} ${median(v).toFixed(2).padStart(8)}  (n=${v.length})`);
    }
    return out;
  } finally {
    await executor.close();
    await rawDb.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Milliseconds between runs (BENCH_PAUSE_MS). */
const PAUSE_MS = Number(Deno.env.get("BENCH_PAUSE_MS") ?? 150);

if (import.meta.main) await main(Number(Deno.args[0] ?? 30));
