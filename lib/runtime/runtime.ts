/**
 * The one run path. Sessions, transforms (and later apps and MCP) run cells through
 * `runtime.run(...)`, which drives the run engine and applies the same named steps to every
 * finished cell, in order:
 *
 * 1. `persist`  — the caller's own state (a session's outputs, runtime.json, console file);
 * 2. `record`   — the run row and its audit event, in one transaction (cache hits batched);
 * 3. `count`    — metrics, labelled with the tenant hash (never the tenant id);
 * 4. `emit`     — the caller's live events.
 *
 * It also owns the one analyzer and the one worker resolution (`@worker` / `[[workers]]`).
 *
 * @example
 * ```ts
 * const runtime = createRuntime({ db, blobs, executor, log, denoVersion: Deno.version.deno,
 *   memoryMb: 512, defaultTimeoutSeconds: 300 });
 * const outcomes = await runtime.run({ model, targets: [cellId], mode: "normal", scope });
 * ```
 */
import type { BlobStore } from "../artifacts/blob_store.ts";
import type { AuditRecorder } from "../audit/recorder.ts";
import type { Db } from "../db/types.ts";
import type { Executor } from "../executor/executor.ts";
import type { CellResult } from "../executor/types.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import { type Analyzer, loadAnalyzer } from "../notebook/analyzer.ts";
import { createCachedAnalyzer } from "../notebook/analysis_cache.ts";
import { sha256Hex } from "../notebook/_hash.ts";
import { join } from "node:path";
import type { WorkerRegistry } from "../worker/registry.ts";
import type { Sandbox } from "../sandbox/sandbox.ts";
import type { Tracer } from "../tracing/tracer.ts";
import { cellRunSpans } from "../tracing/cell_span.ts";
import type { AiService } from "../ai/service.ts";
import type { NotebookModel } from "../session/cell_model.ts";
import {
  type CellRunOutcome,
  type EngineHooks,
  type ExecutorLookup,
  type LiveOutput,
  runCells,
  type RunMode,
} from "./run_engine.ts";
import { countOutcome, recordOutcomes, type RunScope } from "./steps.ts";
import { scopedExecutor } from "../cluster/scoped_executor.ts"; // issue 21

export type { LiveOutput, RunScope };

/** Services the runtime uses; one per process. */
export interface RuntimeDeps {
  db: Db;
  blobs: BlobStore;
  executor: Executor;
  log: Logger;
  metrics?: Metrics;
  /** Records cell executions in the audit log, in the run record's transaction. */
  audit?: AuditRecorder;
  /** Remote workers named by `@worker` / `worker =` and `[[workers]]`. */
  workers?: WorkerRegistry;
  denoVersion: string;
  memoryMb: number;
  defaultTimeoutSeconds: number;
  now?: () => number;
  /** The permission ceiling and approvals (issue 13); absent, `@allow` is granted as asked. */
  sandbox?: Sandbox;
  /** [ops/tracing] One span per finished cell (lib/tracing/cell_span.ts); absent when off. */
  tracer?: Tracer;
  /** The AI endpoint for prompt cells and generated cells (issue 18); absent: AI is off. */
  ai?: AiService;
  /**
   * Issue 20: where analyses persist (`<dataDir>/analysis`), one subdirectory per tenant hash;
   * absent: analyses are cached in memory only.
   */
  analysisCacheDir?: string;
}

/** Per-run callbacks of the caller (the `persist` and `emit` steps, and progress). */
export interface RunHooks {
  onStart?: (cellIds: string[]) => void;
  onCellRunning?: (cellId: string) => void;
  /** A running cell printed a line or showed a display; already redacted with `redact`. */
  onLive?: (cellId: string, live: LiveOutput) => void;
  /** A prompt cell's answer so far (redacted) while it streams (issue 18). */
  onCellPartial?: EngineHooks["onCellPartial"];
  /** Step 1: the caller's own state for a finished cell (before it is recorded). */
  persist?: (outcome: CellRunOutcome) => void | Promise<void>;
  /** Called before recorded rows commit, so the caller can write its state file with them. */
  beforeRecord?: () => void | Promise<void>;
  /** Step 4: live events for a finished cell (after it is recorded). */
  emit?: (outcome: CellRunOutcome, done: number, total: number) => void;
}

/** One run request. */
export interface RunRequest {
  model: NotebookModel;
  targets: readonly string[];
  mode: RunMode;
  scope: RunScope;
  signal?: AbortSignal;
  hooks?: RunHooks;
  /** Rewrites each finished result before it is stored or shown (secret redaction, issue 13). */
  redact?: (result: CellResult) => CellResult;
}

/** The run path shared by every caller. */
export interface Runtime {
  readonly deps: RuntimeDeps;
  /**
   * The cell analyzer. With a tenant hash: that tenant's persistent analysis cache (issue 20;
   * creating it loads nothing, `prepare` loads the parser only for misses). Without: the plain
   * analyzer, the cell parser loaded first.
   */
  analyzer(tenantHash?: string): Promise<Analyzer>;
  /** Runs `targets` (and what they need); every finished cell goes through the named steps. */
  run(request: RunRequest): Promise<CellRunOutcome[]>;
  /** The executor for a worker name (`undefined`/`local`: the local one), or why there is none. */
  executorFor(worker: string | undefined, workers?: readonly unknown[]): ExecutorLookup;
}

/** A tenant hash as one path segment (hashes are hex; anything else is hashed again). */
function safeSegment(tenantHash: string): string {
  return /^[A-Za-z0-9_-]{1,128}$/.test(tenantHash) ? tenantHash : sha256Hex(tenantHash);
}

/** Creates the runtime. */
export function createRuntime(deps: RuntimeDeps): Runtime {
  let analyzer: Promise<Analyzer> | undefined;
  const cached = new Map<string, Analyzer>();
  const now = deps.now ?? Date.now;

  function executorFor(worker: string | undefined, workers: readonly unknown[] = []) {
    if (deps.workers) return deps.workers.resolve(worker, workers as never);
    if (worker === undefined || worker === "local") {
      return { ok: true as const, executor: deps.executor };
    }
    return {
      ok: false as const,
      message: `Cell asks for worker '${worker}', but this server has no remote workers configured`,
    };
  }

  return {
    deps,
    analyzer(tenantHash) {
      if (tenantHash === undefined) return analyzer ??= loadAnalyzer();
      let found = cached.get(tenantHash);
      if (!found) {
        const dir = deps.analysisCacheDir;
        // A tenant's entries live under its own hash (docs/security.md: no cross-tenant probing).
        found = createCachedAnalyzer({
          dir: dir && join(dir, safeSegment(tenantHash)),
          memoryEntries: 2048,
          onWriteError: (error) =>
            deps.log.warn("could not store a cell analysis", { error: String(error) }),
        });
        // At most 64 tenants' analyzers in memory (a session keeps its own); the rest on disk.
        if (cached.size >= 64) cached.delete(cached.keys().next().value!);
      }
      cached.delete(tenantHash);
      cached.set(tenantHash, found);
      return Promise.resolve(found);
    },
    executorFor,
    async run(request) {
      const { scope, hooks = {} } = request;
      const pending: CellRunOutcome[] = [];
      const spans = cellRunSpans(deps.tracer, scope); // [ops/tracing]
      // Cache hits are recorded together (one transaction) so a cached run-all stays cheap; an
      // executed cell is recorded at once, since its work was expensive and a crash must keep it.
      const flush = async () => {
        const batch = pending.splice(0);
        if (batch.length === 0) return;
        await hooks.beforeRecord?.();
        await recordOutcomes(deps, scope, batch);
      };
      try {
        return await runCells(
          {
            db: deps.db,
            blobs: deps.blobs,
            executor: deps.executor,
            executorFor: (worker) => {
              const found = executorFor(worker, scope.workers);
              // Issue 21: on NATS, a run's jobs go to its tenant's subject and consumer.
              return found.ok
                ? { ok: true, executor: scopedExecutor(found.executor, scope) }
                : found;
            },
            tenantHash: scope.tenantHash,
            memoryMb: deps.memoryMb,
            defaultTimeoutSeconds: deps.defaultTimeoutSeconds,
            notebookTimeoutSeconds: scope.timeoutSeconds,
            now,
            redact: request.redact,
            prompts: deps.ai?.prompts,
            indexLater: true, // committed by `recordOutcomes`, with the run's record
          },
          request.model,
          request.targets,
          request.mode,
          {
            signal: request.signal,
            hooks: {
              onStart: hooks.onStart,
              onCellRunning: hooks.onCellRunning,
              onLive: hooks.onLive,
              onCellPartial: hooks.onCellPartial,
              onCellDone: async (o, done, total) => {
                await hooks.persist?.(o);
                pending.push(o);
                if (!o.cacheHit) await flush();
                countOutcome(deps.metrics, scope.tenantHash, o);
                spans.done(o); // [ops/tracing]
                hooks.emit?.(o, done, total);
              },
            },
          },
        );
      } finally {
        await flush();
      }
    },
  };
}
