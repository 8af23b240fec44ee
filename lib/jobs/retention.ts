/** Retention: delete run history (and console logs) older than `retention_days`, in batches. */

import type { Db } from "../db/types.ts";
import { DAY_MS, type JobReport } from "./job.ts";

/** Dependencies of retentionJob. */
export interface RetentionDeps {
  db: Db;
  /** Days of run history to keep; 0 keeps everything. */
  retentionDays: number;
  /** Rows deleted per statement, so no delete holds locks for long. @default 5000 */
  batchSize?: number;
  /**
   * Batches per call; the rest waits for the next run, bounding one run's work (the report
   * says `more: true`). @default 10
   */
  maxBatches?: number;
  /**
   * Deletes console logs (`.strata/console/` files of notebooks) last written before
   * `olderThan` and returns how many it removed; they live on disk, not in the database.
   */
  deleteConsoleLogs?: (olderThan: Date) => Promise<number>;
  /** Days of job_runs history to keep, independent of retentionDays. @default 30 */
  jobHistoryDays?: number;
}

/** What retentionJob did. */
export interface RetentionReport extends JobReport {
  /** Epoch ms; records started before it were eligible (null when retention is off). */
  cutoff: number | null;
  deletedRuns: number;
  /** True when the batch limit stopped the sweep with eligible rows left. */
  more: boolean;
  deletedConsoleLogs: number;
  deletedJobRuns: number;
}

/**
 * Deletes run records that started before `now - retentionDays`, oldest first, at most
 * `batchSize × maxBatches` per call, then console logs past the same cutoff, and job_runs
 * rows older than `jobHistoryDays`. With retentionDays = 0 run history and console logs are kept.
 * On PostgreSQL whole expired months are also dropped by the partition job; this catches the rest.
 */
export async function retentionJob(deps: RetentionDeps, now: Date): Promise<RetentionReport> {
  const batchSize = positive("batchSize", deps.batchSize ?? 5000);
  const maxBatches = positive("maxBatches", deps.maxBatches ?? 10);
  if (!(deps.retentionDays >= 0)) {
    throw new RangeError(`retentionDays must be 0 or more, got ${deps.retentionDays}`);
  }
  const deletedJobRuns = await deleteJobHistory(deps.db, now, deps.jobHistoryDays ?? 30);
  if (deps.retentionDays === 0) {
    return {
      summary: "retention off (retention_days = 0): run history kept",
      cutoff: null,
      deletedRuns: 0,
      more: false,
      deletedConsoleLogs: 0,
      deletedJobRuns,
    };
  }
  const cutoff = now.getTime() - deps.retentionDays * DAY_MS;
  let deletedRuns = 0;
  let more = false;
  for (let batch = 0; batch < maxBatches; batch++) {
    const rows = await deps.db.query(
      `DELETE FROM runs WHERE started_at < $1 AND id IN (
         SELECT id FROM runs WHERE started_at < $1 ORDER BY started_at LIMIT $2
       ) RETURNING id`,
      [cutoff, batchSize],
    );
    deletedRuns += rows.length;
    more = rows.length >= batchSize;
    if (!more) break;
  }
  if (more) {
    // A full last batch may have been exactly the rest.
    more = (await deps.db.query("SELECT 1 FROM runs WHERE started_at < $1 LIMIT 1", [cutoff]))
      .length > 0;
  }
  const deletedConsoleLogs = deps.deleteConsoleLogs
    ? await deps.deleteConsoleLogs(new Date(cutoff))
    : 0;
  return {
    summary: `deleted ${deletedRuns} run record(s)${more ? " (more remain)" : ""}, ` +
      `${deletedConsoleLogs} console log(s)`,
    cutoff,
    deletedRuns,
    more,
    deletedConsoleLogs,
    deletedJobRuns,
  };
}

async function deleteJobHistory(db: Db, now: Date, days: number): Promise<number> {
  if (!(days > 0)) return 0;
  const rows = await db.query(
    "DELETE FROM job_runs WHERE started_at < $1 AND outcome <> 'running' RETURNING name",
    [now.getTime() - days * DAY_MS],
  );
  return rows.length;
}

function positive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}
