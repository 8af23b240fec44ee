/** The built-in jobs with their schedules, bound to their dependencies: cron, CLI and /ready share it. */

import type { BlobStore } from "../artifacts/blob_store.ts";
import type { ArtifactRecord } from "../artifacts/artifact_index.ts";
import type { Db } from "../db/types.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { ReadinessCheck } from "../readiness.ts";
import { artifactGcJob } from "./artifact_gc.ts";
import { DAY_MS, HOUR_MS, type Job, type JobName } from "./job.ts";
import { jobReadinessCheck } from "./job_readiness.ts";
import { type JobRunResult, runJob } from "./job_runner.ts";
import { partitionJob, partitionsReadinessCheck } from "./partitions.ts";
import { retentionJob } from "./retention.ts";

/** Job settings, resolved from config by the caller. */
export interface JobsOptions {
  /** Run history and console logs kept, in days; 0 = keep. @default 30 (config retention_days) */
  retentionDays: number;
  /** @default 5000 */
  retentionBatchSize?: number;
  /** Unused artifacts older than this are collected unless referenced. @default 7 days */
  artifactGraceMs?: number;
  /** Cap on stored artifact bytes; 0 = no cap. @default 0 */
  maxArtifactBytes?: number;
  /** Partitions created ahead of the current month (PostgreSQL). @default 3 */
  monthsAhead?: number;
}

/** What the jobs need; built once in main.ts / cron.ts and passed down. */
export interface JobsDeps {
  db: Db;
  blobStore: BlobStore;
  options: JobsOptions;
  log: Logger;
  metrics?: Pick<Metrics, "jobRuns">;
  /** Recorded with each claimed run. @default a random id per call of jobDefinitions */
  owner?: string;
  /** Removes console logs older than a date; see RetentionDeps. */
  deleteConsoleLogs?: (olderThan: Date) => Promise<number>;
  /** Whether a notebook's runtime state still uses an artifact; see ArtifactGcDeps. */
  isReferenced?: (artifact: ArtifactRecord) => boolean | Promise<boolean>;
}

/** One scheduled job: its name, cron schedule (UTC), period and bound function. */
export interface JobDefinition {
  name: JobName;
  schedule: string;
  periodMs: number;
  job: Job;
}

/**
 * The built-in jobs: retention and artifact GC hourly, partitions daily. Minutes are offset
 * from :00 so they do not all start at once; claim slots round to the period, so replicas
 * agree on the slot despite small clock skew.
 */
export function jobDefinitions(deps: JobsDeps): JobDefinition[] {
  const o = deps.options;
  return [
    {
      name: "retention",
      schedule: "17 * * * *",
      periodMs: HOUR_MS,
      job: (now) =>
        retentionJob({
          db: deps.db,
          retentionDays: o.retentionDays,
          batchSize: o.retentionBatchSize,
          deleteConsoleLogs: deps.deleteConsoleLogs,
        }, now),
    },
    {
      name: "artifact_gc",
      schedule: "37 * * * *",
      periodMs: HOUR_MS,
      job: (now) =>
        artifactGcJob({
          db: deps.db,
          blobStore: deps.blobStore,
          graceMs: o.artifactGraceMs ?? 7 * DAY_MS,
          maxArtifactBytes: o.maxArtifactBytes ?? 0,
          isReferenced: deps.isReferenced,
        }, now),
    },
    {
      name: "partitions",
      schedule: "5 0 * * *",
      periodMs: DAY_MS,
      job: (now) =>
        partitionJob({
          db: deps.db,
          monthsAhead: o.monthsAhead ?? 3,
          runRetentionDays: o.retentionDays,
        }, now),
    },
  ];
}

/** Runs one definition through runJob (claimed per slot) and logs the outcome. */
export async function runDefinition(
  deps: JobsDeps,
  definition: JobDefinition,
  options: { now: Date; slot?: number },
): Promise<JobRunResult> {
  const result = await runJob({
    db: deps.db,
    name: definition.name,
    job: definition.job,
    now: options.now,
    owner: deps.owner ?? defaultOwner(),
    slotMs: definition.periodMs,
    slot: options.slot,
    metrics: deps.metrics,
  });
  const log = deps.log.child({ job: definition.name, slot: new Date(result.slot).toISOString() });
  if (result.outcome === "ok") log.info("job finished", { summary: result.report.summary });
  else if (result.outcome === "error") log.error("job failed", { error: result.error });
  else log.debug("job skipped", { detail: result.detail });
  return result;
}

/**
 * /ready checks for the jobs: `job_<name>` per definition plus `partitions`. `startedAt` is
 * when this server started (see jobReadinessCheck).
 */
export function jobReadinessChecks(
  db: Db,
  definitions: readonly JobDefinition[],
  options: { startedAt: Date; now?: () => Date },
): Record<string, ReadinessCheck> {
  const checks: Record<string, ReadinessCheck> = {};
  for (const d of definitions) {
    checks[`job_${d.name}`] = jobReadinessCheck(db, {
      name: d.name,
      periodMs: d.periodMs,
      ...options,
    });
  }
  checks.partitions = partitionsReadinessCheck(db, { now: options.now });
  return checks;
}

/** A replica id unique enough to tell replicas apart in job_runs. */
export function defaultOwner(): string {
  return `pid${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
}
