/** The run record that computed an output: the latest executed (not cache-hit) run of a provenance. */
import type { Db } from "../db/types.ts";

/** When and by whom an output was computed. */
export interface ComputingRun {
  principal: string | null;
  finishedAt: number;
  /** True when only cache hits were recorded (the computing run was pruned or ran elsewhere). */
  cacheHit: boolean;
}

/**
 * Finds the run that produced a provenance's output: executed runs first (cache_hit sorts
 * false before true in SQLite and PostgreSQL), newest first; null when no run is recorded.
 */
export async function computingRun(
  db: Db,
  tenantHash: string,
  provenance: string,
): Promise<ComputingRun | null> {
  const rows = await db.query(
    `SELECT principal, finished_at, cache_hit FROM runs
     WHERE tenant_hash = $1 AND provenance_hash = $2 AND status = 'ok'
     ORDER BY cache_hit ASC, finished_at DESC LIMIT 1`,
    [tenantHash, provenance],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    principal: (row.principal as string | null) ?? null,
    finishedAt: Number(row.finished_at),
    cacheHit: row.cache_hit === true || row.cache_hit === 1,
  };
}
