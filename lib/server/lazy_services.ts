/**
 * Stand-ins for the run path's executor, worker registry and runtime (lib/server/run_path.ts),
 * and for the audit recorder, that load them on first use (issue 20: a start that answers
 * `/ready` and the first page does not pay for them). Each has the interface of what it stands
 * for and forwards to it once loaded, so routes, commands and the CLI use `Services` as before;
 * the first open or run waits for the load (once per process).
 */
import type { AuditRecorder } from "../audit/recorder.ts";
import type { Executor } from "../executor/executor.ts";
import type { Sandbox } from "../sandbox/sandbox.ts";
import type { WorkerRegistry } from "../worker/registry.ts";
import type { Runtime, RuntimeDeps } from "../runtime/runtime.ts";
import type { RunPath } from "./run_path.ts";

/** A value built on first use; `current` is set once it is. */
export interface Lazy<T> {
  /** Builds the value on the first call; concurrent calls share one build. */
  get(): Promise<T>;
  /** The value, once built. */
  readonly current: T | undefined;
}

/** A {@link Lazy} over `load`; a failed load is retried by the next `get`. */
export function lazy<T>(load: () => Promise<T>): Lazy<T> {
  let pending: Promise<T> | undefined;
  let current: T | undefined;
  return {
    get() {
      pending ??= load().then((value) => current = value, (err) => {
        pending = undefined;
        throw err;
      });
      return pending;
    },
    get current() {
      return current;
    },
  };
}

/**
 * The executor of the run path, loaded by its first run. Closing it before it was loaded closes
 * nothing (no child was started); a run after `close` loads it closed, and fails as a closed
 * executor does.
 */
export function lazyExecutor(path: Lazy<Pick<RunPath, "executor">>): Executor {
  let closed = false;
  const executor = async () => {
    const loaded = (await path.get()).executor;
    if (closed) await loaded.close();
    return loaded;
  };
  return {
    async run(job, options) {
      return await (await executor()).run(job, options);
    },
    async runBatch(jobs, options) {
      return await (await executor()).runBatch(jobs, options);
    },
    warm(spec, memoryMb) {
      executor().then((e) => e.warm(spec, memoryMb), () => {/* the next run reports it */});
    },
    stats() {
      return path.current?.executor.stats() ?? { keys: 0, idle: 0, live: 0 };
    },
    async close() {
      closed = true;
      await path.current?.executor.close();
    },
  };
}

/**
 * The worker registry of the run path. The runtime resolves workers while it runs, after the
 * load; before it, only the local executor is known.
 */
export function lazyWorkerRegistry(
  path: Lazy<Pick<RunPath, "workers">>,
  local: Executor,
): WorkerRegistry {
  return {
    resolve(name, workers) {
      const loaded = path.current?.workers;
      if (loaded) return loaded.resolve(name, workers);
      if (name === undefined || name === "local") return { ok: true, executor: local };
      throw new Error(`Cannot resolve worker '${name}' before the run path is loaded`);
    },
    async close() {
      await path.current?.workers.close();
    },
  };
}

/**
 * The runtime of the run path: `deps` is the object the real runtime is built with, so it reads
 * the same before and after the load; `analyzer` and `run` load it.
 */
export function lazyRuntime(path: Lazy<Pick<RunPath, "runtime">>, deps: RuntimeDeps): Runtime {
  return {
    deps,
    async analyzer(tenantHash) {
      return await (await path.get()).runtime.analyzer(tenantHash);
    },
    async run(request) {
      return await (await path.get()).runtime.run(request);
    },
    executorFor(worker, workers) {
      const loaded = path.current?.runtime;
      if (loaded) return loaded.executorFor(worker, workers);
      // services.ts always passes a worker registry, which is what the runtime resolves with.
      return deps.workers!.resolve(worker, (workers ?? []) as never);
    },
  };
}

/**
 * The audit recorder, loaded by its first event (it brings `node:crypto` for the row hashes).
 * Events recorded while it loads are appended in the order they were recorded.
 */
export function lazyAuditRecorder(recorder: Lazy<AuditRecorder>): AuditRecorder {
  return {
    async record(event, tx) {
      await (await recorder.get()).record(event, tx);
    },
    async recordMany(events, tx) {
      const loaded = await recorder.get();
      if (loaded.recordMany) await loaded.recordMany(events, tx);
      else for (const event of events) await loaded.record(event, tx);
    },
  };
}

/**
 * The sandbox, loaded (and, in personal mode, its approval key read or created) with the run
 * path or by its first use; it brings `node:path`. Only a session reads `settings`, and sessions
 * exist only once the run path, which loads the sandbox first, is loaded.
 */
export function lazySandbox(sandbox: Lazy<Sandbox>): Sandbox {
  return {
    get settings() {
      const loaded = sandbox.current;
      if (!loaded) throw new Error("Cannot read the sandbox settings before the sandbox is loaded");
      return loaded.settings;
    },
    async inputFor(scope) {
      return await (await sandbox.get()).inputFor(scope);
    },
    async approve(notebookDir, grants, options) {
      return await (await sandbox.get()).approve(notebookDir, grants, options);
    },
  };
}
