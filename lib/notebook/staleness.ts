/**
 * Cell statuses from provenance: a cell is stale when its current provenance differs from the
 * one its last run recorded in `.strata/runtime.json`. The reason says which part moved (own
 * source, env, an upstream result, or a forced re-run) and the "why stale" chain follows
 * upstream reasons back to the cell where the change started.
 */
import { changedModules } from "./local_modules.ts";
import type { CellProvenance } from "./provenance.ts";

/** Cell status shown to users. */
export type CellStatus = "idle" | "running" | "ready" | "error" | "stale";

/** Why a cell is stale. */
export type StaleReason = "self" | "upstream" | "env" | "forced" | "module";

/** One link of a "why stale" chain. */
export interface WhyStep {
  cellId: string;
  reason: StaleReason;
  /**
   * For "module": the local module(s) that changed, e.g. "helper.ts"; otherwise a phrase that
   * replaces the reason's words (an upstream that already re-ran: "ran with a new result").
   */
  detail?: string;
}

/** What the last run of a cell recorded (stored in runtime.json). */
export interface LastRun {
  provenance: string;
  status: "ready" | "error";
  sourceHash?: string;
  envHash?: string;
  /** Direct upstream cell id -> the provenance consumed. */
  upstream?: Record<string, string>;
  /** Local modules imported (path -> content hash), see local_modules.ts. */
  modules?: Record<string, string>;
}

/** The computed state of one cell. */
export interface CellState {
  status: CellStatus;
  reason?: StaleReason;
  /** From this cell back to where the change started; empty unless stale. */
  why: WhyStep[];
}

/** Inputs of computeStaleness. */
export interface StalenessInput {
  /** Topological order of cell ids. */
  order: readonly string[];
  /** Current provenance of each cell (from notebookProvenance). */
  current: ReadonlyMap<string, CellProvenance>;
  /** Last run per cell id. */
  lastRuns: Readonly<Record<string, LastRun | undefined>>;
  running?: ReadonlySet<string>;
  /** Cells marked for a forced re-run. */
  forced?: ReadonlySet<string>;
}

/** Computes every cell's status in topological order. */
export function computeStaleness(input: StalenessInput): Map<string, CellState> {
  const states = new Map<string, CellState>();
  for (const id of input.order) {
    const cur = input.current.get(id);
    const last = input.lastRuns[id];
    if (input.running?.has(id)) {
      states.set(id, { status: "running", why: [] });
    } else if (input.forced?.has(id)) {
      states.set(id, stale(id, "forced", []));
    } else if (!cur || !last) {
      states.set(id, { status: "idle", why: [] });
    } else if (last.provenance === cur.provenance) {
      states.set(id, { status: last.status, why: [] });
    } else if (last.sourceHash !== undefined && last.sourceHash !== cur.sourceHash) {
      states.set(id, stale(id, "self", []));
    } else if (changedModules(last.modules ?? {}, cur.modules ?? {}).length > 0) {
      const detail = changedModules(last.modules ?? {}, cur.modules ?? {}).join(", ");
      states.set(id, {
        status: "stale",
        reason: "module",
        why: [{ cellId: id, reason: "module", detail }],
      });
    } else if (last.envHash !== undefined && last.envHash !== cur.envHash) {
      states.set(id, stale(id, "env", []));
    } else if (last.sourceHash === undefined && last.envHash === undefined) {
      states.set(id, stale(id, "self", []));
    } else {
      states.set(id, stale(id, "upstream", upstreamCause(cur, last, states)));
    }
  }
  return states;
}

function stale(cellId: string, reason: StaleReason, rest: readonly WhyStep[]): CellState {
  // concat copies the upstream chain in one step (spreading it cost most of a 1,000-cell update)
  return { status: "stale", reason, why: [{ cellId, reason }].concat(rest) };
}

/** The chain of the first upstream whose result differs from the one this cell consumed. */
function upstreamCause(
  cur: CellProvenance,
  last: LastRun,
  states: Map<string, CellState>,
): WhyStep[] {
  const consumed = last.upstream ?? {};
  const changed = Object.keys(cur.upstream).filter((u) => consumed[u] !== cur.upstream[u]);
  const removed = Object.keys(consumed).filter((u) => !(u in cur.upstream));
  const candidates = [...changed, ...removed];
  const staleOne = candidates.find((u) => states.get(u)?.status === "stale");
  if (staleOne) return states.get(staleOne)!.why;
  // The upstream already re-ran (or is new/removed): the chain ends at it, saying so.
  if (candidates.length === 0) return [];
  const u = candidates[0];
  if (!(u in cur.upstream)) return [{ cellId: u, reason: "self", detail: "no longer an input" }];
  return [{ cellId: u, reason: "self", detail: "ran with a new result" }];
}

/**
 * describeWhy of every stale cell of `states` (in the order computeStaleness made them): a chain
 * that continues an upstream cell's own chain reuses that cell's text, so a long chain of stale
 * cells costs one step each instead of its whole length (issue 20).
 */
export function describeWhyAll(
  states: ReadonlyMap<string, CellState>,
  label: (cellId: string) => string = (id) => id,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const [id, st] of states) {
    const why = st.why;
    if (why.length === 0) continue;
    const tailOf = why.length > 1 ? why[1].cellId : undefined;
    const tail = tailOf === undefined ? undefined : states.get(tailOf)?.why;
    const tailText = tailOf === undefined ? undefined : out.get(tailOf);
    if (
      tail && tailText !== undefined && tail.length === why.length - 1 &&
      tail.every((step, i) => step === why[i + 1])
    ) {
      out.set(id, `${describeWhy([why[0]], label)} ← ${tailText}`);
    } else {
      out.set(id, describeWhy(why, label));
    }
  }
  return out;
}

/**
 * Describes a why-chain in one line, naming cells as people do (`label`: `@name`, else `[n]`),
 * e.g. "[3]: upstream result changed ← load: own source changed".
 */
export function describeWhy(
  why: readonly WhyStep[],
  label: (cellId: string) => string = (id) => id,
): string {
  const words: Record<StaleReason, string> = {
    self: "own source changed",
    upstream: "upstream result changed",
    env: "environment changed",
    forced: "forced re-run",
    module: "local module changed",
  };
  return why.map((s) => {
    const text = s.reason === "module"
      ? (s.detail ? `local module ${s.detail} changed` : words.module)
      : s.detail ?? words[s.reason];
    return `${label(s.cellId)}: ${text}`;
  }).join(" ← ");
}
