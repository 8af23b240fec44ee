/** The server's job dependencies: settings from config, and what "still in use" means. */

import type { BlobStore } from "../artifacts/blob_store.ts";
import type { Config } from "../config/resolve.ts";
import type { Db } from "../db/types.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import { type JobsDeps, jobsOptions } from "./schedule.ts";

/** Options for serverJobsDeps. */
export interface ServerJobsOptions {
  config: Config;
  db: Db;
  blobStore: BlobStore;
  log: Logger;
  metrics?: Pick<Metrics, "jobRuns">;
  /** Whether an open session currently shows this provenance's output. */
  isOpenProvenance: (provenanceHash: string) => boolean;
  /** How long the scan of notebooks' runtime state is reused. @default 60000 */
  scanTtlMs?: number;
  /** Clock (ms) for the scan's reuse. @default Date.now */
  clock?: () => number;
}

/**
 * JobsDeps for the server: retention and cache settings from config; an artifact is in use
 * (never collected, whatever the cache limit) when an open session shows it or the last run of
 * a cell in any notebook on disk (`.strata/runtime.json`) produced it. The notebook scans load on
 * a job's first run (issue 20: not at start).
 */
export function serverJobsDeps(options: ServerJobsOptions): JobsDeps {
  const { config } = options;
  const ttl = options.scanTtlMs ?? 60_000;
  const clock = options.clock ?? Date.now;
  let scan: { at: number; used: Promise<Set<string>> } | undefined;
  const usedOnDisk = () => {
    if (!scan || clock() - scan.at > ttl) {
      scan = {
        at: clock(),
        used: import("../session/referenced.ts").then((m) =>
          m.referencedProvenances(config.notebookStorageDir)
        ),
      };
    }
    return scan.used;
  };
  return {
    db: options.db,
    blobStore: options.blobStore,
    options: jobsOptions(config),
    log: options.log.child({ component: "jobs" }),
    metrics: options.metrics,
    deleteConsoleLogs: async (olderThan: Date) =>
      (await import("../session/console_logs.ts")).deleteOldConsoleLogs(
        config.notebookStorageDir,
        olderThan,
      ),
    isReferenced: async (a) =>
      options.isOpenProvenance(a.provenanceHash) || (await usedOnDisk()).has(a.provenanceHash),
  };
}
