/**
 * What a server needs only once a notebook is opened or a cell runs: the executor and its warm
 * pool, remote workers, the run path (runtime), the notebook session with its model, analyzer
 * and language service, and the secret providers. Issue 20: lib/services.ts loads this module on
 * first use (through lib/optional_import.ts), so a start that answers `/ready` and the first page
 * never evaluates the ≈80 modules (and `node:fs`, `node:v8`, `node:url`, `node:module`) it
 * reaches.
 */
import type { Config } from "../config/resolve.ts";
import type { Logger } from "../log.ts";
import type { AuditRecorder } from "../audit/recorder.ts";
import { createExecutor, type Executor } from "../executor/executor.ts";
import type { RunAs } from "../executor/cell_user.ts";
import { remoteExecutor } from "../executor/remote.ts";
import { createWorkerRegistry, type WorkerRegistry } from "../worker/registry.ts";
import { createRuntime, type Runtime, type RuntimeDeps } from "../runtime/runtime.ts";
import { NotebookSession, type SessionScope } from "../session/notebook_session.ts";
import { npmCacheDirFrom } from "../langservice/npm_types.ts";
import { configureTypeThread } from "../langservice/type_thread.ts";
import { configureTypeScriptCodeCache } from "../notebook/_typescript.ts";
import { configureParserCodeCache } from "../notebook/_babel.ts";
import { sessionSecretsFactory } from "../secrets/session_factory.ts";
import { createSecretProviderRegistry } from "../secrets/provider.ts";
import { infisicalProvider } from "../secrets/infisical.ts";

/** What {@link buildRunPath} needs from services.ts. */
export interface RunPathInput {
  config: Config;
  log: Logger;
  audit: AuditRecorder;
  /** The local executor's scratch folder (services.ts creates it at start). */
  scratchRoot: string;
  /** cell_user, checked at start (services.ts). */
  runAs?: RunAs;
  /**
   * The runtime's dependencies, built at start with stand-ins for the executor and the worker
   * registry (lib/server/lazy_services.ts); the runtime built here uses this very object, so
   * `services.runtime.deps` is the same before and after the load.
   */
  runtimeDeps: RuntimeDeps;
}

/** The run path's objects, built once per process. */
export interface RunPath {
  /** The local (or remote, `executor_mode = "remote"`) executor. */
  executor: Executor;
  workers: WorkerRegistry;
  runtime: Runtime;
  /** Opens one notebook session with the process's session dependencies and secrets. */
  openSession(root: string, scope: SessionScope): Promise<NotebookSession>;
}

/**
 * Builds the run path. `executor` is absent when services.ts already has one (a cluster's NATS
 * executor, connected at start).
 */
export function buildRunPath(input: RunPathInput, executor?: Executor): RunPath {
  const { config, log } = input;
  const local = executor ?? (config.executorMode === "remote"
    ? remoteExecutor({
      name: "default",
      url: config.executorWorker!.url,
      token: config.executorWorker!.token!,
    })
    : createExecutor({
      scratchRoot: input.scratchRoot,
      poolSize: config.executor.poolSize,
      childEnv: { ...config.cellEnv },
      runAs: input.runAs,
      log: log.child({ component: "executor" }),
    }));
  const workers = createWorkerRegistry({
    local: input.runtimeDeps.executor, // the stand-in: one executor object for every caller
    env: config.credentials.workerTokens,
    log: log.child({ component: "workers" }),
  });
  const runtime = createRuntime(input.runtimeDeps);
  // Issue 20: type checks and first analyses in a Worker (default) or on this thread.
  configureTypeThread({
    worker: config.typeCheckThread !== "main",
    memoryMb: config.typeCheckMemoryMb,
  });
  // Issue 20: the compiler loads from a V8 code cache Strata keeps (a Worker gets none from Deno).
  configureTypeScriptCodeCache(`${config.dataDir}/code-cache`);
  // Issue 20: and the cell parser, with the functions its first analyses compiled.
  configureParserCodeCache(`${config.dataDir}/code-cache`);
  // Issue 13 item 5: each session's secrets carry its tenant's secret_manager_policy.
  const secrets = sessionSecretsFactory({
    mode: config.deploymentMode,
    policy: config.secretManagerPolicy,
    registry: createSecretProviderRegistry([infisicalProvider()]),
    credentials: config.credentials,
    log: log.child({ component: "secrets" }),
    audit: input.audit,
  });
  const sessionDeps = {
    runtime,
    typeCheck: { npmCacheDir: npmCacheDirFrom(config.cellEnv) }, // issue 15: type warnings
  };
  return {
    executor: local,
    workers,
    runtime,
    openSession: (root, scope) =>
      NotebookSession.open(root, { ...scope, secrets: secrets(scope) }, sessionDeps),
  };
}
