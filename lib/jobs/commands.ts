/** Operator entry points `strata gc [--dry-run]` and `strata jobs run <name>`. */

import type { CommandResult } from "../audit/commands.ts";
import { artifactGcJob } from "./artifact_gc.ts";
import { DAY_MS, JOB_NAMES } from "./job.ts";
import { jobDefinitions, type JobsDeps, runDefinition } from "./schedule.ts";

/**
 * Collects artifacts now. A dry run only reports what would go and is not recorded as a job
 * run; a real run goes through the job runner (recorded, counted, visible in /ready).
 */
export async function gcCommand(
  deps: JobsDeps,
  options: { dryRun?: boolean; now?: Date } = {},
): Promise<CommandResult> {
  const now = options.now ?? new Date();
  if (options.dryRun) {
    try {
      const report = await artifactGcJob({
        db: deps.db,
        blobStore: deps.blobStore,
        graceMs: deps.options.artifactGraceMs ?? 7 * DAY_MS,
        maxArtifactBytes: deps.options.maxArtifactBytes ?? 0,
        isReferenced: deps.isReferenced,
        dryRun: true,
      }, now);
      const keys = report.blobKeys.map((k) => `  ${k}`).join("\n");
      return { text: `dry run: ${report.summary}${keys ? "\n" + keys : ""}`, exitCode: 0 };
    } catch (error) {
      return { text: `gc dry run failed: ${(error as Error).message}`, exitCode: 1 };
    }
  }
  return await jobsRunCommand(deps, "artifact_gc", { now });
}

/**
 * Runs one job now (e.g. from an external scheduler), claimed and recorded like a scheduled
 * run; its slot is the exact time, so it never collides with the cron slot. Exit code 0 on
 * success, 1 when the job failed or was claimed elsewhere, 2 for an unknown name.
 */
export async function jobsRunCommand(
  deps: JobsDeps,
  name: string,
  options: { now?: Date } = {},
): Promise<CommandResult> {
  const definition = jobDefinitions(deps).find((d) => d.name === name);
  if (!definition) {
    return {
      text: `Unknown job '${name}': choose one of ${JOB_NAMES.join(", ")}`,
      exitCode: 2,
    };
  }
  const now = options.now ?? new Date();
  try {
    const result = await runDefinition(deps, definition, { now, slot: now.getTime() });
    if (result.outcome === "ok") return { text: `${name}: ${result.report.summary}`, exitCode: 0 };
    if (result.outcome === "error") return { text: `${name} failed: ${result.error}`, exitCode: 1 };
    return { text: `${name} skipped: ${result.detail}`, exitCode: 1 };
  } catch (error) {
    return { text: `${name} could not run: ${(error as Error).message}`, exitCode: 1 };
  }
}
