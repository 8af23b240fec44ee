/**
 * The notebook state on the wire: what `GET /v1/notebooks/{sid}`, the `notebook_state` socket
 * event and the page props carry. The server's views are annotated with these types and the
 * islands read them, so a field renamed on one side fails the type check on the other.
 *
 * Leaf types (displays, errors, diagnostics, env rows) are the ones the server already produces;
 * they are imported as types only, so the browser bundle pulls in no server code.
 */
import type { CellError, ConsoleEntry, DisplayOutput } from "../executor/types.ts";
import type { CellDiagnostic } from "../notebook/analyzer.ts";
import type { CellStatus, StaleReason, WhyStep } from "../notebook/staleness.ts";
import type { PublicEnvRow } from "../secrets/env_merge.ts";
import type { SecretManagerStatus } from "../secrets/session_secrets.ts";

export type { CellDiagnostic, CellError, CellStatus, ConsoleEntry, StaleReason, WhyStep };

/** A display output of a cell (its last expression or a `display(...)` call). */
export type Display = DisplayOutput;

/** A cell's last outputs, as shown under the cell. */
export interface OutputView {
  displays: Display[];
  console: ConsoleEntry[];
  consoleTruncated: boolean;
  /** Why the run failed; `kind` tells a cancel or a timeout from an exception. */
  error: CellError | null;
  /** The result came from the artifact cache (no code ran for it). */
  cacheHit: boolean;
  /** How long the cell ran when it was computed (for a cache hit: the original run). */
  durationMs: number;
  /** ISO time the result was made. */
  finishedAt: string;
  /** False when the cell changed since these outputs were made. */
  current: boolean;
  /**
   * Set by the page while the cell runs (live events): `started` — the console is this run's,
   * the displays still the previous run's; `displays` — the displays are this run's too.
   */
  live?: "started" | "displays";
}

/** Cell languages. */
export type CellLanguage = "typescript" | "markdown" | "prompt";

/** One cell. */
export interface CellView {
  id: string;
  /** The `// @name` annotation, if any. */
  name: string | null;
  language: CellLanguage;
  /** File under `cells/`, relative to the notebook folder. */
  file: string;
  source: string;
  status: CellStatus;
  staleReason: StaleReason | null;
  /** From this cell back to where the change started; empty unless stale. */
  why: WhyStep[];
  /** The why-chain as one sentence, for people (cells named by `label`). */
  whyText: string | null;
  /** How people name the cell: its `@name`, else `[n]` (1-based position). */
  label: string;
  /** `@lazy`: not run automatically when a cell it depends on runs. */
  lazy: boolean;
  /** Edit version (a hash of the source): send it as `baseVersion` with an edit. */
  version: string;
  defines: string[];
  references: string[];
  /** Ids of the cells this one reads from. */
  upstream: string[];
  diagnostics: CellDiagnostic[];
  /** What the cell's `@allow` asks for and what the server decided (lib/sandbox). */
  grants: GrantsView;
  provenance: string | null;
  outputs: OutputView | null;
}

/** A cell's status and why-chain (the `cell_states` event: every code cell after each finish). */
export interface CellStateView {
  cellId: string;
  status: CellStatus;
  staleReason: StaleReason | null;
  why: WhyStep[];
  whyText: string | null;
}

/** A cell's requested grants, the refused ones, and whether it may run. */
export interface GrantsView {
  requested: string[];
  refused: { grant: string; setting: string | null; message: string }[];
  /** Personal mode: requested grants waiting for the owner's approval. */
  awaitingApproval: string[];
  /** Why the cell may not run, or null. */
  blocked: string | null;
}

/** An env row: secret values are never sent. */
export type EnvRow =
  | PublicEnvRow
  | {
    key: string;
    source: "notebook";
    secret?: undefined;
    hasValue?: undefined;
    value?: undefined;
  };

/** The DAG of cells. */
export interface DagView {
  /** Code cell ids in topological order. */
  order: string[];
  edges: { from: string; to: string; kind: string; names: string[] }[];
}

/** Notebook metadata from `notebook.toml`. */
export interface NotebookMeta {
  id: string;
  name: string;
  owner: string | null;
  /** Path relative to the notebook root, as users name it. */
  path: string;
  createdAt: string;
  updatedAt: string;
  timeout: number | null;
}

/** The whole state of a session. */
export interface NotebookState {
  sessionId: string;
  /** The session's event sequence number this state is current at. */
  seq: number;
  /** A run is in progress. */
  busy: boolean;
  /** Open sockets (browser tabs, clients) watching this session. */
  viewers: number;
  /** `[runtime] on_change`: running a cell runs its stale dependents (autorun) or not (lazy). */
  onChange: "autorun" | "lazy";
  notebook: NotebookMeta;
  env: EnvRow[];
  secretManager: SecretManagerStatus | null;
  /** Personal mode: grants the notebook's cells wait for (approving runs them). */
  awaitingApproval: string[];
  cells: CellView[];
  dag: DagView;
}

/** The summary of one run request (execute or run-all). */
export interface RunSummaryView {
  cells: { cellId: string; status: "ready" | "error"; cacheHit: boolean; durationMs: number }[];
  ok: boolean;
}

/** Answer of `POST /v1/notebooks/{sid}/cells`. */
export interface AddCellAnswer {
  cellId: string;
  state: NotebookState;
}

/** Answer of `POST .../cells/{cid}/execute` and `POST .../run-all`. */
export interface RunAnswer {
  run: RunSummaryView;
  state: NotebookState;
}
