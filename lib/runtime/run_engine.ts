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
  ConsoleEntry,
  DisplayOutput,
  EncodedValue,
} from "../executor/types.ts";
import { liveAnswers } from "../ai/live_answer.ts";
import type { Executor } from "../executor/executor.ts";
import { childKey } from "../executor/permissions.ts";
import type { CacheLookup, CacheStores, StoredResult, WrittenCell } from "./cell_cache.ts";
import { lookupCells, storeCell, writeCellBlobs } from "./cell_cache.ts";
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
  /**
   * With `EngineDeps.indexLater`: the run's blobs are written and these index rows are not
   * committed yet; the caller commits them (`indexCell`) with the run's record, then `remember`s.
   */
  unindexed?: WrittenCell;
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
  /**
   * The caller commits each executed cell's index rows itself (`CellRunOutcome.unindexed`), in
   * the transaction of its record (issue 20: the runtime; one commit per executed cell, not two).
   * Absent: the engine commits them as the result is stored.
   */
  indexLater?: boolean;
}

/** Output a running cell produced just now: console lines or one display (already redacted). */
export type LiveOutput = { console: ConsoleEntry[] } | { display: DisplayOutput };

/** Callbacks as the run progresses (for WebSocket events and runtime state). */
export interface EngineHooks {
  onStart?: (cellIds: string[]) => void;
  onCellRunning?: (cellId: string) => void;
  /** A running cell printed a line or showed a display (before it finished). */
  onLive?: (cellId: string, live: LiveOutput) => void;
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

  // 1. Cache lookups: provenance depends only on sources, so every cell can be looked up first,
  //    all in one index query (issue 20), then finished in plan order.
  const lookups = new Map<string, CacheLookup>();
  const toLookUp = plan.filter((id) => {
    const info = model.byId.get(id)!;
    return !info.grants.blocked && !(mode === "force" || (mode === "rerun" && targetSet.has(id)) ||
      info.annotations.nocache);
  });
  const lookedUpAt = deps.now();
  const answers = await lookupCells(
    deps,
    deps.tenantHash,
    toLookUp.map((id) => ({
      provenance: model.provenance.get(id)!.provenance,
      needed: model.dag.stores.get(id) ?? [],
    })),
    lookedUpAt,
  );
  toLookUp.forEach((id, i) => lookups.set(id, answers[i]));
  const misses: string[] = [];
  for (const id of plan) {
    const info = model.byId.get(id)!;
    const provenance = model.provenance.get(id)!.provenance;
    // Sandbox (issue 13): a cell asking for refused or unapproved grants does not run (nor hit).
    if (info.grants.blocked) {
      await finish(failedBefore(model, id, info.grants.blocked, deps.now(), "permission"));
      continue;
    }
    const hit = lookups.get(id);
    if (hit?.hit) {
      values.set(id, hit.values);
      await finish({
        cellId: id,
        provenance,
        status: "ready",
        cacheHit: true,
        result: hit.result,
        outputHash: hit.resultHash,
        startedAt: lookedUpAt,
        finishedAt: deps.now(),
      });
      continue;
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
    let startedAt = deps.now();
    let cut = -1;
    // Each result is stored, recorded and shown as it arrives (in order, one at a time), not
    // after the batch: a crash of the server or the child keeps every cell that finished.
    let settled: Promise<void> = Promise.resolve();
    const live = liveSink(deps, jobs, hooks, () => cut >= 0);
    // Issue 20: the used child's replacement starts once these results are handled, not during.
    const handled = Promise.withResolvers<void>();
    try {
      await lookup.executor.runBatch(jobs, {
        handled: handled.promise,
        signal: batchAbort.signal,
        onConsole: live && ((entry, index) => live.console(index, entry)),
        onDisplay: live && ((display, index) => live.display(index, display)),
        onDelta: hooks.onCellPartial && // issue 18: live prompt answers
          liveAnswers(jobs, { emit: hooks.onCellPartial, redact: deps.redact, now: deps.now }),
        onResult(r, index) {
          if (cut >= 0) return;
          live?.flush();
          const began = startedAt;
          startedAt = deps.now(); // the next cell of the batch starts as this one ends
          settled = settled.then(async () => {
            await finish(await settle(deps, model, r, values, began));
          });
          if (r.status === "error" && index < jobs.length - 1 && !options.signal?.aborted) {
            // Later cells of the batch may depend on this one: stop the child, re-plan the rest.
            cut = index;
            batchAbort.abort();
          }
        },
      });
    } finally {
      options.signal?.removeEventListener("abort", onOuterAbort);
      live?.flush();
      await settled.finally(handled.resolve);
    }
    if (cut >= 0) pending = [...batch.slice(cut + 1), ...pending];
  }
  return plan.flatMap((id) => outcomes.get(id) ?? []);
}

/** How long console lines of a running cell are gathered into one live event. */
const LIVE_BATCH_MS = 50;

/** Receives a batch's live output and hands it to `onLive`, gathered and redacted. */
interface LiveSink {
  console(index: number, entry: ConsoleEntry): void;
  display(index: number, display: DisplayOutput): void;
  /** Sends what is gathered now (before a result is shown, so it never arrives after it). */
  flush(): void;
}

/**
 * The executor's live callbacks for a batch: lines and displays go to `onLive` under their
 * cell's id, redacted like the finished result (a secret never leaves the runtime, live or not).
 * Lines printed within LIVE_BATCH_MS travel together, so a cell printing in a tight loop costs a
 * few events a second, not one per line. Nothing after a cut (those cells run again).
 */
function liveSink(
  deps: EngineDeps,
  jobs: readonly CellJob[],
  hooks: EngineHooks,
  isCut: () => boolean,
): LiveSink | undefined {
  const onLive = hooks.onLive;
  if (!onLive) return undefined;
  let lines: ConsoleEntry[] = [];
  let linesOf = -1;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const send = (index: number, out: LiveOutput) => {
    const cellId = jobs[index]?.cellId;
    if (cellId === undefined || isCut()) return;
    const redacted = redactLive(deps.redact, cellId, out);
    if (redacted) onLive(cellId, redacted);
  };
  function flush() {
    clearTimeout(timer);
    timer = undefined;
    if (lines.length === 0) return;
    const batch = lines;
    lines = [];
    send(linesOf, { console: batch });
  }
  return {
    console(index, entry) {
      if (index !== linesOf) flush();
      linesOf = index;
      lines.push(entry);
      timer ??= setTimeout(flush, LIVE_BATCH_MS);
    },
    display(index, display) {
      flush();
      send(index, { display });
    },
    flush,
  };
}

/** A live output through the run's `redact` (which works on whole results). */
function redactLive(
  redact: EngineDeps["redact"],
  cellId: string,
  out: LiveOutput,
): LiveOutput | undefined {
  if (!redact) return out;
  const r = redact({
    cellId,
    status: "ok",
    outputs: [],
    displays: "display" in out ? [out.display] : [],
    console: "console" in out ? out.console : [],
    consoleTruncated: false,
    durationMs: 0,
  });
  if ("console" in out) return r.console.length ? { console: r.console } : undefined;
  return r.displays[0] ? { display: r.displays[0] } : undefined;
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
    let unindexed: WrittenCell | undefined;
    if (!model.byId.get(r.cellId)!.annotations.nocache) {
      stored = deps.indexLater
        ? unindexed = await writeCellBlobs(
          deps,
          deps.tenantHash,
          provenance,
          r.outputs,
          result,
          finishedAt,
        )
        : await storeCell(deps, deps.tenantHash, provenance, r.outputs, result, finishedAt);
    }
    return {
      cellId: r.cellId,
      provenance,
      status: "ready",
      cacheHit: false,
      result,
      outputHash: stored?.resultHash,
      bytesWritten: stored?.bytesWritten,
      unindexed,
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
