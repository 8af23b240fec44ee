/**
 * The long-lived services of a Strata process (server or CLI), built from the resolved config:
 * storage, blobs, executor, sessions, audit. Built once in main.ts (or a CLI command) and passed
 * down; nothing here is created at import time.
 */
import { importOptional } from "./optional_import.ts";
import type { Config } from "./config/resolve.ts";
import type { Db } from "./db/types.ts";
import { openDb } from "./db/open.ts";
import { migrate } from "./db/migrate.ts";
import { ensurePartitions } from "./jobs/partitions.ts";
import type { BlobStore } from "./artifacts/blob_store.ts";
import { openBlobStore } from "./artifacts/open.ts";
import type { FsBlobStore } from "./artifacts/fs_blob_store.ts";
import { cellRunAs } from "./executor/cell_user.ts";
import type { Executor } from "./executor/executor.ts";
import type { Logger } from "./log.ts";
import type { Metrics } from "./metrics.ts";
import type { Tracer } from "./tracing/tracer.ts";
import { SessionRegistry } from "./session/registry.ts";
import type { Runtime, RuntimeDeps } from "./runtime/runtime.ts";
import type { Sandbox } from "./sandbox/sandbox.ts";
import { type AuditKey, serverAuditKeys } from "./audit/audit_key.ts";
import type { AuditRecorder } from "./audit/recorder.ts";
import type { Ownership } from "./cluster/ownership.ts";
import {
  lazy,
  lazyAuditRecorder,
  lazyExecutor,
  lazyRuntime,
  lazySandbox,
  lazyWorkerRegistry,
} from "./server/lazy_services.ts";

/** The services a process uses. */
export interface Services {
  db: Db;
  blobs: BlobStore;
  executor: Executor;
  sessions: SessionRegistry;
  /** The one run path, shared by sessions and transforms. */
  runtime: Runtime;
  audit: AuditRecorder;
  auditKey: AuditKey;
  /** Keys audit rows verify with: current + retired (+ development key in personal mode). */
  auditKeyring: Map<string, Uint8Array>;
  /** What cells may be granted (issue 13). */
  sandbox: Sandbox;
  /** Names of migrations applied by this start. */
  migrated: string[];
  /**
   * Issue 21 item 2: with `[cluster] nats_url`, who owns which notebook session; the API wraps
   * its dispatcher with it. Absent otherwise (nothing changes, nothing is paid).
   */
  ownership?: Ownership;
  close(): Promise<void>;
}

/** Options for createServices. */
export interface ServicesOptions {
  config: Config;
  log: Logger;
  metrics?: Metrics;
  /** Tenant id for a tenant hash (metric labels). */
  tenantLabel?: (hash: string) => string;
  /** [ops/tracing] Cell-run spans; absent when tracing is off. */
  tracer?: Tracer;
}

/**
 * Opens storage (migrating it) and the blob store; the executor pool, runtime and sessions are
 * stand-ins that load the run path (lib/server/run_path.ts) on the first open or run (issue 20).
 */
export async function createServices(options: ServicesOptions): Promise<Services> {
  const { config, log, metrics } = options;
  await Deno.mkdir(config.dataDir, { recursive: true });
  await Deno.mkdir(config.notebookStorageDir, { recursive: true });
  if (config.artifactDir) await Deno.mkdir(config.artifactDir, { recursive: true });
  const db = openDb({
    databaseUrl: config.databaseUrl,
    sqlitePath: config.sqlitePath,
    postgres: { max: config.databasePoolSize },
  });
  // auto_migrate = false: migrations are a separate step (`strata migrate`); /ready shows them.
  const migrated = config.autoMigrate ? await migrate(db, { log }) : { applied: [] };
  if (db.kind === "postgres" && config.autoMigrate) await ensurePartitions(db, { now: new Date() });

  const blobs = await openBlobStore(config);
  const scratchRoot = `${config.dataDir}/tmp`;
  if (config.executorMode === "local") await Deno.mkdir(scratchRoot, { recursive: true });
  // exec helper (issue 13 item 2): cells run as cell_user when the server is root; checked now.
  const runAs = !config.cluster && config.executorMode === "local"
    ? cellRunAs(config.executor.cellUser, {
      uid: () => Deno.uid(),
      readPasswd: () => Deno.readTextFileSync("/etc/passwd"),
    })
    : undefined;
  // Issue 21: [cluster] nats_url set ⇒ every cell runs on `strata worker --nats` processes.
  const cluster = config.cluster
    ? await importOptional<typeof import("./cluster/open.ts")>("strata:cluster")
    : undefined;
  const clusterExecutor = config.cluster
    ? await cluster!.openClusterExecutor(config.cluster, log)
    : undefined;
  // Issue 13 item 7: the dev key verifies only in personal mode; retired keys keep old rows valid.
  const { key, keyring: auditKeyring } = serverAuditKeys({
    mode: config.deploymentMode,
    current: config.auditHmacKey,
    retired: config.auditRetiredKeys,
  });
  // Issue 20: loaded by the first event (node:crypto), or with the run path.
  const recorder = lazy(async () =>
    (await import("./audit/recorder.ts")).createAuditRecorder({
      db,
      key,
      log,
      metrics,
      tenantLabel: options.tenantLabel,
    })
  );
  const audit = lazyAuditRecorder(recorder);
  // Issue 13: what cells may be granted. Issue 20: loaded with the run path (node:path).
  const loadedSandbox = lazy(async () =>
    await (await import("./sandbox/sandbox.ts")).createSandbox(config)
  );
  const sandbox = lazySandbox(loadedSandbox);
  const ai = config.ai && (await import("./ai/service.ts")).createAiService(config.ai, {
    log: log.child({ component: "ai" }),
    metrics,
  }); // issue 18

  // Issue 20: the executor, runtime and sessions load on first use (lib/server/run_path.ts).
  // Local child processes, or (Deno Deploy: no subprocesses) a remote worker for every cell.
  const runPath = lazy(async () => {
    const [{ buildRunPath }] = await Promise.all([
      importOptional<typeof import("./server/run_path.ts")>("strata:run-path"),
      recorder.get(), // a run records audit events: not first inside its transaction
      loadedSandbox.get(), // a session reads its settings synchronously
    ]);
    return buildRunPath({ config, log, audit, scratchRoot, runAs, runtimeDeps }, clusterExecutor);
  });
  const executor = clusterExecutor ?? lazyExecutor(runPath);
  const workers = lazyWorkerRegistry(runPath, executor);
  const runtimeDeps: RuntimeDeps = {
    sandbox,
    db,
    blobs,
    executor,
    log,
    metrics,
    audit,
    workers,
    denoVersion: Deno.version.deno,
    memoryMb: config.executor.memoryMb,
    defaultTimeoutSeconds: config.executor.timeoutSeconds,
    tracer: options.tracer, // [ops/tracing] cell-run spans
    ai,
    analysisCacheDir: `${config.dataDir}/analysis`, // issue 20: analyses survive a restart
  };
  const runtime: Runtime = lazyRuntime(runPath, runtimeDeps);
  // executor = remote: its worker URL is checked when the executor is built; a bad one still
  // fails the start (the run path loads now).
  if (!config.cluster && config.executorMode === "remote") await runPath.get();
  const ownership = config.cluster
    ? await cluster!.openClusterOwnership(config.cluster, log)
    : undefined;
  const sessions = new SessionRegistry(
    async (root, scope) => await (await runPath.get()).openSession(root, scope),
    { ownership },
  );
  ownership?.attach(sessions);
  return {
    db,
    blobs,
    executor,
    sessions,
    runtime,
    audit,
    auditKey: key,
    auditKeyring,
    sandbox,
    migrated: migrated.applied,
    ownership,
    async close() {
      await ownership?.close(); // hands this replica's notebooks over at once
      await workers.close();
      await executor.close();
      await (blobs as Partial<FsBlobStore>).flush?.(); // background fsyncs of the last blobs
      await db.close();
    },
  };
}
