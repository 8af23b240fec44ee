/**
 * The worker process's own Deno permissions: listen on its address, read its code and scratch
 * folder, write only the scratch folder, spawn only deno (and kill(1)), read only its settings.
 * The cell children get their own, per-job permissions from the executor.
 */
import { TYPESCRIPT_ENV } from "../launcher/permissions.ts";
import { CELL_BASE_ENV, DEFAULT_CELL_ENV_PASSTHROUGH } from "../config/cell_env.ts";
import { listenAddress } from "../launcher/permissions.ts";
import { denoCacheGrants } from "../executor/deno_dir.ts";

/** Environment names the worker may read (`*` = prefix). */
export const WORKER_ENV = [
  "STRATA_WORKER_*",
  "STRATA_IN_PROCESS",
  "STRATA_ENV_NAMES",
  "STRATA_NATS_TOKEN",
  ...CELL_BASE_ENV,
  ...DEFAULT_CELL_ENV_PASSTHROUGH,
  // Read by the typescript package at import (cell modules are built with it).
  ...TYPESCRIPT_ENV,
];

/** Facts the flags depend on. */
export interface WorkerLaunchContext {
  host: string;
  port: number;
  scratchRoot: string;
  /** Folder holding the worker's code (and node_modules when run from source). */
  codeRoot: string;
  denoPath: string;
  killPath?: string;
  /** Hosts to connect to instead of listening (a NATS worker: its NATS addresses). */
  net?: string[];
  /** The cell children's DENO_DIR: the executor removes what Deno caches there for cell modules. */
  denoDir?: string;
}

/** Deno flags for the worker process. */
export function workerPermissionFlags(ctx: WorkerLaunchContext): string[] {
  const cache = ctx.denoDir
    ? denoCacheGrants(ctx.denoDir, ctx.scratchRoot)
    : { read: [], write: [] };
  return [
    `--allow-net=${ctx.net?.join(",") ?? listenAddress(ctx.host, ctx.port)}`,
    `--allow-read=${[ctx.codeRoot, ctx.scratchRoot, ...cache.read].join(",")}`,
    `--allow-write=${[ctx.scratchRoot, ...cache.write].join(",")}`,
    `--allow-env=${WORKER_ENV.join(",")}`,
    `--allow-run=${[ctx.denoPath, ...(ctx.killPath ? [ctx.killPath] : [])].join(",")}`,
  ];
}
