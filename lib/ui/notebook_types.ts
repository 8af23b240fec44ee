/** The notebook state as the browser sees it (the JSON of `NotebookSession.state()`). */

/** A display output of a cell. */
export type Display =
  | { type: "text" | "markdown" | "html" | "svg" | "png"; data: string }
  | { type: "table"; data: { columns: string[]; rows: unknown[][]; totalRows: number } }
  | { type: "json"; data: unknown };

/** A cell's last outputs. */
export interface CellOutputsView {
  displays: Display[];
  console: { stream: "stdout" | "stderr"; text: string }[];
  consoleTruncated: boolean;
  error: { kind: string; message: string; line?: number; column?: number } | null;
  cacheHit: boolean;
  durationMs: number;
  finishedAt: string;
  current: boolean;
}

/** Cell statuses as the server reports them. */
export type CellStatus = "idle" | "running" | "ready" | "error" | "stale";

/** One cell. */
export interface CellView {
  id: string;
  name: string | null;
  language: "typescript" | "markdown" | "prompt";
  file: string;
  source: string;
  status: CellStatus;
  staleReason: string | null;
  why: { cellId: string; reason: string }[];
  whyText: string | null;
  defines: string[];
  references: string[];
  upstream: string[];
  diagnostics: {
    severity: string;
    code: string;
    message: string;
    line?: number;
    column?: number;
    /** "types": a type warning from the language service (issue 15). */
    source?: string;
    endLine?: number;
    endColumn?: number;
  }[];
  provenance: string | null;
  outputs: CellOutputsView | null;
}

/** An env row: secret values are never sent. */
export interface EnvRow {
  key: string;
  source: string;
  secret: boolean;
  hasValue?: boolean;
  value?: string;
}

/** The DAG of cells. */
export interface DagView {
  order: string[];
  edges: { from: string; to: string; kind: string; names: string[] }[];
}

/** The whole state of a session. */
export interface NotebookState {
  sessionId: string;
  seq: number;
  busy: boolean;
  notebook: {
    id: string;
    name: string;
    owner: string | null;
    path: string;
    createdAt: string;
    updatedAt: string;
    timeout: number | null;
  };
  env: EnvRow[];
  secretManager: {
    configured: boolean;
    config: { provider?: string; [k: string]: unknown } | null;
    fetchedKeys?: number;
    fetchedAt?: string;
    lastError?: string;
  } | null;
  cells: CellView[];
  dag: DagView;
}

/** A discovered notebook (home page). */
export interface NotebookListing {
  name: string;
  path: string;
  owner: string | null;
  notebookId: string;
  updatedAt: string;
  cells: number;
}

/** Asset URLs an island needs at run time. */
export interface IslandUrls {
  /** CodeMirror editor module. */
  editor: string;
  /** dagre layout module. */
  dagLayout: string;
}

/** A short label for a cell: its @name, its definitions, or its first line. */
export function cellLabel(cell: CellView, index: number): string {
  if (cell.name) return cell.name;
  if (cell.defines.length) return cell.defines.slice(0, 3).join(", ");
  const first = cell.source.split("\n").find((l) => l.trim() && !l.trim().startsWith("//"))?.trim();
  return first ? (first.length > 28 ? `${first.slice(0, 27)}…` : first) : `cell ${index + 1}`;
}

/** Formats a duration in ms for people: "0.8 ms", "42 ms", "1.2 s", "2 m 5 s". */
export function formatDuration(ms: number): string {
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} m ${Math.round((ms % 60_000) / 1000)} s`;
}
