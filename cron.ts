/**
 * Wires the scheduled jobs (lib/jobs/) to Deno.cron. Nothing runs at import: main.ts calls
 * registerCron once after migrating. Every replica registers the same schedules; runJob's claim
 * in job_runs makes each slot run once.
 */

import {
  type JobDefinition,
  jobDefinitions,
  type JobsDeps,
  runDefinition,
} from "./lib/jobs/schedule.ts";

/** The part of Deno.cron used here (injectable so tests can fire handlers themselves). */
export type CronRegister = (
  name: string,
  schedule: string,
  options: { signal?: AbortSignal },
  handler: () => Promise<void>,
) => Promise<void>;

/** What registerCron needs besides the jobs' dependencies. */
export interface CronDeps extends JobsDeps {
  /** Aborting it unregisters the schedules (graceful shutdown). */
  signal?: AbortSignal;
  /** Clock for each firing. @default () => new Date() */
  now?: () => Date;
}

/**
 * Registers every built-in job with `cron` (Deno.cron by default) and returns the definitions,
 * so the caller can add their readiness checks (jobReadinessChecks). A handler never throws:
 * failures are recorded in job_runs, logged and reported by /ready.
 */
export function registerCron(deps: CronDeps, cron: CronRegister = Deno.cron): JobDefinition[] {
  const definitions = jobDefinitions(deps);
  const clock = deps.now ?? (() => new Date());
  for (const definition of definitions) {
    const registered = cron(
      `strata-${definition.name}`,
      definition.schedule,
      { signal: deps.signal },
      async function fire(): Promise<void> {
        try {
          await runDefinition(deps, definition, { now: clock() });
        } catch (error) {
          // Claiming or recording failed (database down): /ready shows the job going stale.
          deps.log.error("job could not run", { job: definition.name, error });
        }
      },
    );
    registered.catch((error) => {
      deps.log.error("cron registration failed", { job: definition.name, error });
    });
  }
  return definitions;
}
