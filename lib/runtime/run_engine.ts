/**
 * Running cells: the cascade (a target's upstream closure in topological order), cache lookups
 * by provenance, and execution of the misses in the executor, consecutive cells with the same
 * permissions sharing one child. A failed cell stops the cells that depend on it, and only those.
 */
import type {
  CellError,
  CellJob,
  CellResult,
  CodeInput,
  DisplayOutput,
  EncodedValue,
} from "../executor/types.ts";
import { liveAnswers } from "../ai/live_answer.ts";
import type { Executor } from "../executor/executor.ts";
import { childKey } from "../executor/permissions.ts";
import type { CacheStores, StoredResult } from "./cell_cache.ts";
import { lookupCell, storeCell } from "./cell_cache.ts";
import type { NotebookModel } from "../session/cell_model.ts";
import { WIDGET_INPUT, widgetInput } from "../widgets/widget_input.ts"; // widgets (issue 16)

/** Run modes: normal (cache), rerun (skip the target's own cache), force (skip every cache). */
export type RunMode = "normal" | "rerun" | "force";

/** The outcome of one cell within a run. */
export interface CellRunOutcome {
  cellId: string;
  provenance: string;
  status: "ready" | "error";
  cacheHit: boolean;
  result: StoredResult;
  /** Content hash of the stored `$result` (absent for failures and @nocache cells). */
  outputHash?: string;
  /** New artifact bytes written by this run. */
  bytesWritten?: number;
  error?: CellError;
  startedAt: number;
  finishedAt: number;
}

/** The executor for a worker name, or why there is none. */
export type ExecutorLookup = { ok: true; executor: Executor } | { ok: false; message: string };

/** What the engine needs. */
export interface EngineDeps extends CacheStores {
  executor: Executor;
  /** Executor of a named worker (`@worker`); absent: every cell runs on `executor`. */
  executorFor?: (worker: string | undefined) => ExecutorLookup;
  tenantHash: string;
  memoryMb: number;
  defaultTimeoutSeconds: number;
  notebookTimeoutSeconds?: number;
  now: () => number;
  /** Rewrites a finished result before it is stored or shown (secret redaction). */
  redact?: (result: CellResult) => CellResult;
  /** Runs prompt cells (issue 18); absent: they fail, saying AI is not configured. */
  prompts?: Pick<Executor, "runBatch">;
}

/** Callbacks as the run progresses (for WebSocket events and runtime state). */
export interface EngineHooks {
  onStart?: (cellIds: string[]) => void;
  onCellRunning?: (cellId: string) => void;
  /** A prompt cell's answer so far, redacted, as it streams (issue 18). */
  onCellPartial?: (cellId: string, displays: DisplayOutput[]) => void;
  onCellDone?: (outcome: CellRunOutcome, done: number, total: number) => void | Promise<void>;
}

/** The cells a run of `targets` must consider: their upstream closure, in topological order. */
export function planRun(model: NotebookModel, targets: readonly string[]): string[] {
  const needed = new Set<string>();
  const visit = (id: string) => {
    if (needed.has(id)) return;
    needed.add(id);
    for (const u of model.dag.upstream.get(id) ?? []) visit(u);
  };
  for (const t of targets) visit(t);
  return model.dag.order.filter((id) => needed.has(id));
}

/** Runs `targets` (and whatever they need) and reports each cell's outcome. */
export async function runCells(
  deps: EngineDeps,
  model: NotebookModel,
  targets: readonly string[],
  mode: RunMode,
  options: { signal?: AbortSignal; hooks?: EngineHooks } = {},
): Promise<CellRunOutcome[]> {
  const plan = planRun(model, targets);
  const hooks = options.hooks ?? {};
  hooks.onStart?.(plan);
  const targetSet = new Set(targets);
  const values = new Map<string, Map<string, EncodedValue>>();
  const outcomes = new Map<string, CellRunOutcome>();
  const failed = new Set<string>();
  let done = 0;
  const finish = async (o: CellRunOutcome) => {
    outcomes.set(o.cellId, o);
    if (o.status === "error") failed.add(o.cellId);
    await hooks.onCellDone?.(o, ++done, plan.length);
  };

  // 1. Cache lookups: provenance depends only on sources, so every cell can be looked up first.
  const misses: string[] = [];
  for (const id of plan) {
    const info = model.byId.get(id)!;
    const provenance = model.provenance.get(id)!.provenance;
    // Sandbox (issue 13): a cell asking for refused or unapproved grants does not run (nor hit).
    if (info.grants.blocked) {
      await finish(failedBefore(model, id, info.grants.blocked, deps.now(), "permission"));
      continue;
    }
    const skip = mode === "force" || (mode === "rerun" && targetSet.has(id)) ||
      info.annotations.nocache;
    const stores = model.dag.stores.get(id) ?? [];
    if (!skip) {
      const t = deps.now();
      const hit = await lookupCell(deps, deps.tenantHash, provenance, stores, t);
      if (hit.hit) {
        values.set(id, hit.values);
        await finish({
          cellId: id,
          provenance,
          status: "ready",
          cacheHit: true,
          result: hit.result,
          outputHash: hit.resultHash,
          startedAt: t,
          finishedAt: deps.now(),
        });
        continue;
      }
    }
    misses.push(id);
  }

  // 2. Execute the misses in order; a leading run of cells with equal permissions shares a child.
  let pending = misses;
  while (pending.length > 0) {
    if (options.signal?.aborted) {
      for (const id of pending) await finish(cancelled(model, id, deps.now()));
      break;
    }
    const batch: string[] = [];
    let i = 0;
    for (; i < pending.length; i++) {
      const id = pending[i];
      const blockedBy = [...(model.dag.upstream.get(id) ?? [])].find((u) => failed.has(u));
      if (blockedBy) {
        await finish(upstreamFailed(model, id, blockedBy, deps.now()));
        continue;
      }
      if (
        batch.length > 0 &&
        (!sameChild(model, batch[0], id) || workerOf(model, batch[0]) !== workerOf(model, id) ||
          isPrompt(model, id) || isPrompt(model, batch[0])) // issue 18: a prompt cell runs alone
      ) {
        break;
      }
      batch.push(id);
    }
    pending = pending.slice(i);
    if (batch.length === 0) continue;
    const lookup = isPrompt(model, batch[0])
      ? promptLookup(deps) // issue 18: prompt cells go to the model, not to a Deno child
      : deps.executorFor?.(workerOf(model, batch[0])) ??
        { ok: true as const, executor: deps.executor };
    if (!lookup.ok) {
      for (const id of batch) await finish(failedBefore(model, id, lookup.message, deps.now()));
      continue;
    }

    const jobs = batch.map((id) => jobFor(deps, model, id, values, batch));
    const batchAbort = new AbortController();
    const onOuterAbort = () => batchAbort.abort();
    options.signal?.addEventListener("abort", onOuterAbort);
    batch.forEach((id) => hooks.onCellRunning?.(id));
    const startedAt = deps.now();
    const results: CellResult[] = [];
    let cut = -1;
    try {
      await lookup.executor.runBatch(jobs, {
        signal: batchAbort.signal,
        onDelta: hooks.onCellPartial && // issue 18: live prompt answers
          liveAnswers(jobs, { emit: hooks.onCellPartial, redact: deps.redact, now: deps.now }),
        onResult(r, index) {
          if (cut >= 0) return;
          results.push(r);
          if (r.status === "error" && index < jobs.length - 1 && !options.signal?.aborted) {
            // Later cells of the batch may depend on this one: stop the child, re-plan the rest.
            cut = index;
            batchAbort.abort();
          }
        },
      });
    } finally {
      options.signal?.removeEventListener("abort", onOuterAbort);
    }
    for (const r of results) await finish(await settle(deps, model, r, values, startedAt));
    if (cut >= 0) pending = [...batch.slice(cut + 1), ...pending];
  }
  return plan.flatMap((id) => outcomes.get(id) ?? []);
}

/** Stores a finished result in the cache (successes only) and turns it into an outcome. */
async function settle(
  deps: EngineDeps,
  model: NotebookModel,
  r: CellResult,
  values: Map<string, Map<string, EncodedValue>>,
  startedAt: number,
): Promise<CellRunOutcome> {
  r = deps.redact?.(r) ?? r; // before anything is stored, cached or emitted
  const provenance = model.provenance.get(r.cellId)!.provenance;
  const result: StoredResult = {
    displays: r.displays,
    console: r.console,
    consoleTruncated: r.consoleTruncated,
    durationMs: Math.round(r.durationMs * 10) / 10,
  };
  const finishedAt = deps.now();
  if (r.status === "ok") {
    values.set(r.cellId, new Map(r.outputs.map((v) => [v.name, v])));
    let stored: { bytesWritten: number; resultHash: string } | undefined;
    if (!model.byId.get(r.cellId)!.annotations.nocache) {
      stored = await storeCell(deps, deps.tenantHash, provenance, r.outputs, result, finishedAt);
    }
    return {
      cellId: r.cellId,
      provenance,
      status: "ready",
      cacheHit: false,
      result,
      outputHash: stored?.resultHash,
      bytesWritten: stored?.bytesWritten,
      startedAt,
      finishedAt,
    };
  }
  return {
    cellId: r.cellId,
    provenance,
    status: "error",
    cacheHit: false,
    result,
    error: r.error,
    startedAt,
    finishedAt,
  };
}

function jobFor(
  deps: EngineDeps,
  model: NotebookModel,
  id: string,
  values: Map<string, Map<string, EncodedValue>>,
  batch: readonly string[],
): CellJob {
  const info = model.byId.get(id)!;
  const inputs = new Map<string, EncodedValue>();
  const carry: string[] = [];
  const codeInputs = new Map<string, CodeInput>();
  const earlierInBatch = new Set(batch.slice(0, batch.indexOf(id)));
  // A `code` value (function, class, object with methods) is recreated by re-evaluating its
  // defining cell in this child, which needs that cell's own inputs too: added recursively,
  // dependencies first, so code inputs are evaluated in order.
  const addInputs = (cell: string, visiting: Set<string>) => {
    for (const [name, from] of model.dag.inputs.get(cell) ?? []) {
      if (cell === id && earlierInBatch.has(from)) {
        carry.push(name);
        continue;
      }
      const v = values.get(from)?.get(name);
      if (!v) continue;
      if (v.codec !== "code") {
        inputs.set(name, v);
        continue;
      }
      if (!visiting.has(from)) {
        visiting.add(from);
        addInputs(from, visiting);
      }
      const ci = codeInputs.get(from) ??
        { cellId: from, source: model.byId.get(from)!.cell.source, names: [] };
      if (!ci.names.includes(name)) ci.names.push(name);
      codeInputs.delete(from);
      codeInputs.set(from, ci);
    }
  };
  addInputs(id, new Set([id]));
  // Widgets (issue 16): stored values of the cell and of cells it re-evaluates as code inputs.
  const widgets = widgetInput(model.widgets, [id, ...codeInputs.keys()]);
  if (widgets) inputs.set(WIDGET_INPUT, widgets);
  const timeoutS = info.annotations.timeout ?? deps.notebookTimeoutSeconds ??
    deps.defaultTimeoutSeconds;
  return {
    cellId: id,
    source: info.cell.source,
    inputs: [...inputs.values()],
    codeInputs: [...codeInputs.values()],
    carry,
    // A prompt cell always stores its answer, so a reader added later is still a cache hit.
    outputs: isPrompt(model, id) ? info.analysis?.defines ?? [] : model.dag.stores.get(id) ?? [],
    permissions: info.permissions,
    env: info.env,
    timeoutMs: timeoutS * 1000,
    memoryMb: deps.memoryMb,
  };
}

function isPrompt(model: NotebookModel, id: string): boolean {
  return model.byId.get(id)!.cell.language === "prompt";
}

function promptLookup(
  deps: EngineDeps,
): { ok: true; executor: Pick<Executor, "runBatch"> } | { ok: false; message: string } {
  const prompts = deps.prompts;
  // Prompt answers count against the tenant's AI usage (metrics, daily budget).
  return prompts
    ? {
      ok: true,
      executor: {
        runBatch: (jobs, options) =>
          prompts.runBatch(jobs, { ...options, tenantHash: deps.tenantHash } as typeof options),
      },
    }
    : {
      ok: false,
      message: "Prompt cells need an AI model: set STRATA_AI_BASE_URL, STRATA_AI_MODEL " +
        "(and STRATA_AI_API_KEYS) and restart the server",
    };
}

function workerOf(model: NotebookModel, id: string): string | undefined {
  return model.byId.get(id)!.worker;
}

function failedBefore(
  model: NotebookModel,
  id: string,
  message: string,
  t: number,
  kind: CellError["kind"] = "crash",
): CellRunOutcome {
  return notRun(model, id, { kind, message }, t);
}

/** The outcome of a cell that never ran, with the reason as its error. */
function notRun(model: NotebookModel, id: string, error: CellError, t: number): CellRunOutcome {
  return {
    cellId: id,
    provenance: model.provenance.get(id)!.provenance,
    status: "error",
    cacheHit: false,
    result: EMPTY,
    error,
    startedAt: t,
    finishedAt: t,
  };
}

function sameChild(model: NotebookModel, a: string, b: string): boolean {
  return childKey(model.byId.get(a)!.permissions) === childKey(model.byId.get(b)!.permissions);
}

const EMPTY: StoredResult = { displays: [], console: [], consoleTruncated: false, durationMs: 0 };

function upstreamFailed(
  model: NotebookModel,
  id: string,
  upstream: string,
  t: number,
): CellRunOutcome {
  const name = model.byId.get(upstream)?.label ?? upstream; // `@name`, else `[n]`
  return notRun(model, id, {
    kind: "exception",
    message: `Not run: upstream cell '${name}' failed`,
  }, t);
}

function cancelled(model: NotebookModel, id: string, t: number): CellRunOutcome {
  return notRun(model, id, { kind: "cancelled", message: "Cell run cancelled" }, t);
}
