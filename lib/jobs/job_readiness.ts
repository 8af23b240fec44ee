/** /ready checks for scheduled jobs: failed when the last run failed or runs stopped coming. */

import type { Db } from "../db/types.ts";
import type { CheckResult, ReadinessCheck } from "../readiness.ts";
import { jobStatus } from "./job_runner.ts";

/** Options for jobReadinessCheck. */
export interface JobReadinessOptions {
  /** The job's name in job_runs. */
  name: string;
  /** How often the job is scheduled. */
  periodMs: number;
  /** When this server started: before two periods have passed, "no run yet" is fine. */
  startedAt: Date;
  /** Clock. @default () => new Date() */
  now?: () => Date;
}

/**
 * A readiness check for one job (shown as `<name>_task`). It fails when the last finished run failed,
 * or when no run started within twice the period, counting from the later of the last run and
 * this server's start (so a freshly started server, or one restarted after a pause, gets two
 * periods of grace). The state is read from job_runs, so every replica reports the same.
 */
export function jobReadinessCheck(db: Db, options: JobReadinessOptions): ReadinessCheck {
  const { name, periodMs } = options;
  const clock = options.now ?? (() => new Date());
  if (!(periodMs > 0)) throw new RangeError(`Job '${name}': periodMs must be positive`);
  return async function checkJob(): Promise<CheckResult> {
    const now = clock().getTime();
    const status = await jobStatus(db, name);
    const finished = status.lastFinished;
    const fields = finished ? { last_run: iso(finished.startedAt) } : undefined;
    if (finished?.outcome === "error") {
      return {
        ok: false,
        reason: `last run failed: ${finished.error ?? "error"}`,
        fields,
      };
    }
    const lastStart = status.last?.startedAt;
    const since = Math.max(lastStart ?? -Infinity, options.startedAt.getTime());
    if (now - since > 2 * periodMs) {
      return {
        ok: false,
        reason: lastStart === undefined
          ? `no run since the server started at ${iso(since)}`
          : `no run since ${iso(lastStart)} (period ${periodMs / 1000} s)`,
        fields,
      };
    }
    return { ok: true, fields };
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
