/** The shape every scheduled job shares: a function of the current time returning a report. */

/** What a job returns: a one-line summary plus job-specific numbers (stored as JSON). */
export interface JobReport {
  summary: string;
  [field: string]: unknown;
}

/** A job with its dependencies bound: runs once for `now` and reports what it did. */
export type Job = (now: Date) => Promise<JobReport>;

/** Names of the built-in jobs, as used in job_runs, /ready and `strata jobs run <name>`. */
export const JOB_NAMES = ["retention", "artifact_gc", "partitions"] as const;

/** One of JOB_NAMES. */
export type JobName = typeof JOB_NAMES[number];

/** One day in milliseconds. */
export const DAY_MS = 86_400_000;

/** One hour in milliseconds. */
export const HOUR_MS = 3_600_000;
