/** The built-in jobs with their schedules, bound to their dependencies: cron, CLI and /ready share it. */

import type { BlobStore } from "../artifacts/blob_store.ts";
import type { Config } from "../config/resolve.ts";
import type { ArtifactRecord } from "../artifacts/artifact_index.ts";
import type { Db } from "../db/types.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { ReadinessCheck } from "../readiness.ts";
import { artifactGcJob } from "./artifact_gc.ts";
import { DAY_MS, HOUR_MS, type Job, type JobName } from "./job.ts";
import { cronForInterval } from "./interval.ts";
import { jobReadinessCheck } from "./job_readiness.ts";
import { type JobRunResult, runJob } from "./job_runner.ts";
import { partitionJob, partitionsReadinessCheck } from "./partitions.ts";
import { retentionJob } from "./retention.ts";

/** Job settings, resolved from config by the caller. */
export interface JobsOptions {
  /** Run history and console logs kept, in days; 0 = keep. @default 30 (config retention_days) */
  retentionDays: number;
  /** Run the retention job at all. @default true */
  retentionEnabled?: boolean;
  /** Seconds between retention sweeps (see cronForInterval). @default 3600 */
  retentionIntervalSeconds?: number;
  /** @default 5000 */
  retentionBatchSize?: number;
  /** Unused artifacts older than this are collected unless referenced. @default 7 days */
  artifactGraceMs?: number;
  /** Cap on stored artifact bytes; 0 = no cap. @default 0 */
  maxArtifactBytes?: number;
  /** Partitions created ahead of the current month (PostgreSQL). @default 3 */
  monthsAhead?: number;
}

/** The job settings a configuration asks for (retention_*, artifact_cache_max_bytes). */
export function jobsOptions(config: Config): JobsOptions {
  return {
    retentionEnabled: config.retention.enabled,
    retentionIntervalSeconds: config.retention.intervalSeconds,
    retentionBatchSize: config.retention.batchSize,
    retentionDays: config.retentionDays,
    maxArtifactBytes: config.artifactCacheMaxBytes,
  };
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
 * The built-in jobs: retention every `retentionIntervalSeconds` (hourly by default; left out when
 * disabled), artifact GC hourly, partitions daily. Minutes are offset
 * from :00 so they do not all start at once; claim slots round to the period, so replicas
 * agree on the slot despite small clock skew.
 */
export function jobDefinitions(deps: JobsDeps): JobDefinition[] {
  const o = deps.options;
  const retentionSeconds = o.retentionIntervalSeconds ?? 3600;
  const all: JobDefinition[] = [
    {
      name: "retention",
      schedule: cronForInterval(retentionSeconds, 17),
      periodMs: retentionSeconds * 1000,
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
  return o.retentionEnabled === false ? all.filter((d) => d.name !== "retention") : all;
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
 * /ready checks for the jobs, named `<job>_task` (retention_task, artifact_gc_task,
 * partitions_task). partitions_task also fails when this month's partitions are missing
 * (PostgreSQL). `startedAt` is when this server started (see jobReadinessCheck).
 */
export function jobReadinessChecks(
  db: Db,
  definitions: readonly JobDefinition[],
  options: { startedAt: Date; now?: () => Date },
): Record<string, ReadinessCheck> {
  const checks: Record<string, ReadinessCheck> = {};
  for (const d of definitions) {
    const ran = jobReadinessCheck(db, { name: d.name, periodMs: d.periodMs, ...options });
    if (d.name !== "partitions") {
      checks[`${d.name}_task`] = ran;
      continue;
    }
    const present = partitionsReadinessCheck(db, { now: options.now });
    checks.partitions_task = async function checkPartitionsTask() {
      const [job, parts] = await Promise.all([ran(), present()]);
      return job.ok ? parts : job;
    };
  }
  return checks;
}

/** A replica id unique enough to tell replicas apart in job_runs. */
export function defaultOwner(): string {
  return `pid${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
}
