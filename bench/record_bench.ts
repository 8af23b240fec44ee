/**
 * The record step alone (run rows + audit events of a cached run-all), on a SQLite file:
 * server CPU per run of N cells. Run: scripts/deno run -A bench/record_bench.ts [cells] [rounds]
 */
import process from "node:process";
import { openSqlite } from "../lib/db/sqlite.ts";
import { migrate } from "../lib/db/migrate.ts";
import { createAuditRecorder } from "../lib/audit/recorder.ts";
import { developmentAuditKey } from "../lib/audit/audit_key.ts";
import { nullLogger } from "../lib/log.ts";
import { recordOutcomes } from "../lib/runtime/steps.ts";
import { median } from "./_load.ts";

const cells = Number(Deno.args[0] ?? 1000);
const rounds = Number(Deno.args[1] ?? 15);
const dir = await Deno.makeTempDir({ prefix: "strata-record-bench-" });
const db = openSqlite(`${dir}/strata.db`);
try {
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
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await recordOutcomes({ db, audit }, scope, outcomes);
    wall.push(performance.now() - t0);
    const d = process.cpuUsage(c0);
    cpu.push((d.user + d.system) / 1000);
  }
  console.log(
    `record step, ${cells} cells: CPU ${median(cpu).toFixed(2)} ms (min ${
      Math.min(...cpu).toFixed(2)
    }), wall ${median(wall).toFixed(2)} ms`,
  );
} finally {
  await db.close();
  await Deno.remove(dir, { recursive: true });
}
