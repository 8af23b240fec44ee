/** /ready checks for the metadata database: `db` (a round trip) and `migrations` (at head). */

import type { CheckResult, ReadinessCheck } from "../readiness.ts";
import { elapsedMs } from "../readiness.ts";
import type { MigrationStatus } from "./migrate.ts";
import type { Db } from "./types.ts";

/** `db`: one `SELECT 1`, reported with its latency (`latency_ms`). */
export function dbReadinessCheck(db: Db): ReadinessCheck {
  return async function checkDb(): Promise<CheckResult> {
    const start = performance.now();
    await db.query("SELECT 1 AS ok");
    return { ok: true, fields: { latency_ms: elapsedMs(start) } };
  };
}

/**
 * `migrations`: ok when the database is at the newest migration file, with `current` and `head`
 * named either way. Not at head (e.g. auto_migrate = false and `strata migrate` not run yet)
 * fails with the pending count and what to run.
 */
export function migrationsReadinessCheck(status: () => Promise<MigrationStatus>): ReadinessCheck {
  return async function checkMigrations(): Promise<CheckResult> {
    const s = await status();
    const fields = { current: s.currentName, head: s.headName };
    if (s.pending.length === 0) return { ok: true, fields };
    return {
      ok: false,
      reason: `${s.pending.length} pending migration(s), first ${
        s.pending[0]
      }: run 'strata migrate'`,
      fields,
    };
  };
}
