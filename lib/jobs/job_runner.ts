/** Running a job once per schedule slot across replicas, and recording how it went. */

import type { Db, Row } from "../db/types.ts";
import type { Metrics } from "../metrics.ts";
import type { Job, JobReport } from "./job.ts";

/** Options for runJob. */
export interface RunJobOptions {
  db: Db;
  name: string;
  job: Job;
  now: Date;
  /** Who is running it (replica id); a loser's report names the winner's owner. */
  owner: string;
  /**
   * Width of the schedule slot. The slot is `now` rounded to the nearest multiple, so replicas
   * whose clocks disagree by less than half of it claim the same slot. @default 60000
   */
  slotMs?: number;
  /** An explicit slot (epoch ms) instead of rounding `now`, e.g. `now` itself for manual runs. */
  slot?: number;
  metrics?: Pick<Metrics, "jobRuns">;
}

/** How one runJob call ended. "skipped" means another replica claimed this slot. */
export type JobRunResult =
  | { outcome: "ok"; name: string; slot: number; report: JobReport }
  | { outcome: "error"; name: string; slot: number; error: string }
  | { outcome: "skipped"; name: string; slot: number; detail: string };

/** One recorded run (a job_runs row). Times are epoch ms. */
export interface JobRunRecord {
  name: string;
  slot: number;
  owner: string;
  startedAt: number;
  finishedAt: number | null;
  outcome: "running" | "ok" | "error";
  error: string | null;
  report: JobReport | null;
}

/** A job's recorded state, for /ready and operators. */
export interface JobStatus {
  name: string;
  /** The most recently started run, finished or not. */
  last: JobRunRecord | null;
  /** The most recently started run that finished (ok or error). */
  lastFinished: JobRunRecord | null;
}

/**
 * Claims (name, slot) in job_runs and runs the job only if this call won the claim, so with
 * several replicas firing the same schedule it runs once. The winner records start, end,
 * outcome, error and the report; a job that throws is recorded as "error" and does not throw
 * here. The loser returns "skipped: claimed by <owner>".
 */
export async function runJob(options: RunJobOptions): Promise<JobRunResult> {
  const { db, name, job, now, owner } = options;
  const slotMs = options.slotMs ?? 60_000;
  const slot = options.slot ?? Math.round(now.getTime() / slotMs) * slotMs;
  const startedAt = now.getTime();
  const claimed = await db.query(
    `INSERT INTO job_runs (name, slot, owner, started_at, outcome) VALUES ($1, $2, $3, $4, 'running')
     ON CONFLICT (name, slot) DO NOTHING RETURNING name`,
    [name, slot, owner, startedAt],
  );
  if (claimed.length === 0) {
    const [winner] = await db.query<{ owner: string }>(
      "SELECT owner FROM job_runs WHERE name = $1 AND slot = $2",
      [name, slot],
    );
    options.metrics?.jobRuns.inc({ job: name, outcome: "skipped" });
    return { outcome: "skipped", name, slot, detail: `claimed by ${winner?.owner ?? "unknown"}` };
  }
  const clock = performance.now();
  let result: JobRunResult;
  try {
    result = { outcome: "ok", name, slot, report: await job(now) };
  } catch (error) {
    result = { outcome: "error", name, slot, error: errorText(error) };
  }
  // The injected clock plus the measured duration, so tests with a fixed `now` stay coherent.
  const finishedAt = startedAt + Math.round(performance.now() - clock);
  await db.query(
    `UPDATE job_runs SET finished_at = $3, outcome = $4, error = $5, report_json = $6
     WHERE name = $1 AND slot = $2`,
    [
      name,
      slot,
      finishedAt,
      result.outcome,
      result.outcome === "error" ? result.error : null,
      result.outcome === "ok" ? JSON.stringify(result.report) : null,
    ],
  );
  options.metrics?.jobRuns.inc({ job: name, outcome: result.outcome });
  return result;
}

/** The job's last run and last finished run, from job_runs. */
export async function jobStatus(db: Db, name: string): Promise<JobStatus> {
  const [last] = await db.query(
    `SELECT ${COLUMNS} FROM job_runs WHERE name = $1 ORDER BY started_at DESC, slot DESC LIMIT 1`,
    [name],
  );
  const [finished] = await db.query(
    `SELECT ${COLUMNS} FROM job_runs WHERE name = $1 AND outcome <> 'running'
     ORDER BY started_at DESC, slot DESC LIMIT 1`,
    [name],
  );
  return {
    name,
    last: last ? toRecord(last) : null,
    lastFinished: finished ? toRecord(finished) : null,
  };
}

const COLUMNS = "name, slot, owner, started_at, finished_at, outcome, error, report_json";

function toRecord(row: Row): JobRunRecord {
  return {
    name: row.name as string,
    slot: Number(row.slot),
    owner: row.owner as string,
    startedAt: Number(row.started_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
    outcome: row.outcome as JobRunRecord["outcome"],
    error: (row.error as string | null) ?? null,
    report: typeof row.report_json === "string" ? JSON.parse(row.report_json) : null,
  };
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 2000 ? text.slice(0, 2000) + "…" : text;
}
