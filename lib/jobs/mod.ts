/** Scheduled jobs: retention, artifact GC, partitions; the once-per-slot runner; readiness. */

export { type ArtifactGcDeps, artifactGcJob, type ArtifactGcReport } from "./artifact_gc.ts";
export { gcCommand, jobsRunCommand } from "./commands.ts";
export { DAY_MS, HOUR_MS, type Job, JOB_NAMES, type JobName, type JobReport } from "./job.ts";
export { jobReadinessCheck, type JobReadinessOptions } from "./job_readiness.ts";
export {
  type JobRunRecord,
  type JobRunResult,
  type JobStatus,
  jobStatus,
  runJob,
  type RunJobOptions,
} from "./job_runner.ts";
export {
  ensurePartitions,
  listPartitions,
  PARTITIONED_TABLES,
  type PartitionInfo,
  partitionJob,
  type PartitionJobDeps,
  type PartitionReport,
  partitionsReadinessCheck,
} from "./partitions.ts";
export { type RetentionDeps, retentionJob, type RetentionReport } from "./retention.ts";
export {
  defaultOwner,
  type JobDefinition,
  jobDefinitions,
  jobReadinessChecks,
  type JobsDeps,
  type JobsOptions,
  jobsOptions,
  runDefinition,
} from "./schedule.ts";
export { cronForInterval, intervalProblem } from "./interval.ts";
