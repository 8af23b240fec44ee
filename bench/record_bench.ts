/**
 * The record step alone (run rows + audit events of a cached run-all, `recordOutcomes`) on a
 * SQLite file: server CPU and wall per run of N cells. With other checkouts' roots as further
 * arguments (e.g. /work/main), each is timed too, interleaved round by round, each on its own
 * database file.
 * Run: scripts/deno run -A bench/record_bench.ts [cells] [rounds] [checkout ...]
 */
import process from "node:process";
import { median } from "./_load.ts";

const cells = Number(Deno.args[0] ?? 1000);
const rounds = Number(Deno.args[1] ?? 15);
const roots = [new URL("..", import.meta.url).pathname, ...Deno.args.slice(2)];
const dir = await Deno.makeTempDir({ prefix: "strata-record-bench-" });
const variants: {
  root: string;
  record: () => Promise<void>;
  close: () => Promise<void>;
  cpu: number[];
  wall: number[];
}[] = [];
try {
  for (const [i, root] of roots.entries()) {
    const { openSqlite } = await import(`${root}/lib/db/sqlite.ts`);
    const { migrate } = await import(`${root}/lib/db/migrate.ts`);
    const { createAuditRecorder } = await import(`${root}/lib/audit/recorder.ts`);
    const { developmentAuditKey } = await import(`${root}/lib/audit/audit_key.ts`);
    const { nullLogger } = await import(`${root}/lib/log.ts`);
    const { recordOutcomes } = await import(`${root}/lib/runtime/steps.ts`);
    const db = openSqlite(`${dir}/strata${i}.db`);
    await migrate(db);
    const audit = createAuditRecorder({ db, key: developmentAuditKey(), log: nullLogger() });
    const scope = { tenantHash: "bench", notebookId: "nb", notebookPath: "nb", principal: null };
    const outcomes = Array.from({ length: cells }, (_, i) => ({
      cellId: `c${String(i).padStart(6, "0")}`,
      provenance: (i * 2654435761 >>> 0).toString(16).padStart(64, "0"),
      status: "ready" as const,
      cacheHit: true,
      outputHash: (i * 40503 >>> 0).toString(16).padStart(64, "a"),
      result: { displays: [], console: [], consoleTruncated: false, durationMs: 0 },
      startedAt: Date.now(),
      finishedAt: Date.now(),
    }));
    variants.push({
      root,
      record: () => recordOutcomes({ db, audit }, scope, outcomes),
      close: () => db.close(),
      cpu: [],
      wall: [],
    });
  }
  for (let r = 0; r < rounds; r++) {
    for (const v of variants) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await v.record();
      v.wall.push(performance.now() - t0);
      const d = process.cpuUsage(c0);
      v.cpu.push((d.user + d.system) / 1000);
    }
  }
  for (const v of variants) {
    console.log(
      `record step, ${cells} cells (${v.root}): CPU ${median(v.cpu).toFixed(2)} ms (min ${
        Math.min(...v.cpu).toFixed(2)
      }), wall ${median(v.wall).toFixed(2)} ms`,
    );
  }
} finally {
  for (const v of variants) await v.close();
  await Deno.remove(dir, { recursive: true });
}
