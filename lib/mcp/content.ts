/**
 * What an agent reads: notebook state with each cell's outputs summarized to a size budget (so a
 * notebook with a 10 MB table does not flood a model's context), and one cell's full outputs as
 * MCP content (text, tables as JSON rows with a row limit, images as image content).
 */
import type { CellView, NotebookState, OutputView } from "../protocol/notebook_state.ts";
import type { Display } from "../protocol/notebook_state.ts";

/** MCP content items a tool answers with. */
export type Content =
  | { type: "text"; text: string }
  | { type: "image"; data: string; mimeType: string };

/** Default character budget for all summarized outputs of one notebook. */
export const DEFAULT_BUDGET = 16_000;
/** Table rows shown in a summary. */
const SUMMARY_ROWS = 5;
/** Sources longer than this are cut in summaries (get_output and the cell resource give all). */
const SOURCE_CHARS = 8_000;

/** A display as summarized: text cut to the budget, tables to a few rows, images by size. */
export type DisplaySummary =
  | { type: string; text: string; truncated?: number }
  | { type: "table"; columns: string[]; rows: Record<string, unknown>[]; totalRows: number }
  | { type: "png"; bytes: number; note: string };

/** A cell's outputs as summarized. */
export interface OutputSummary {
  displays: DisplaySummary[];
  console: string;
  error: { kind: string; message: string; line?: number } | null;
  cacheHit: boolean;
  durationMs: number;
  /** False when the cell changed since these outputs were made. */
  current: boolean;
}

/** A cell as an agent sees it in a notebook summary. */
export interface CellSummary {
  id: string;
  name: string | null;
  language: string;
  status: string;
  /** Why the cell is stale, as a sentence (null unless stale). */
  whyStale: string | null;
  defines: string[];
  references: string[];
  upstream: string[];
  diagnostics: string[];
  /** Why the cell may not run (a refused grant, or one awaiting a person's approval), or null. */
  blocked: string | null;
  source: string;
  outputs: OutputSummary | null;
}

/** A notebook as an agent sees it. */
export interface NotebookSummary {
  sid: string;
  name: string;
  path: string;
  busy: boolean;
  env: string[];
  /** Grants the cells wait for; only a person approves them (the UI or the HTTP API). */
  awaitingApproval: string[];
  cells: CellSummary[];
  /** Topological order of the code cells. */
  order: string[];
}

/** Cuts `text` to `max` characters with a note saying how much is left. */
export function cut(text: string, max: number): { text: string; truncated?: number } {
  if (text.length <= max) return { text };
  const rest = text.length - max;
  return {
    text: `${text.slice(0, max)}…[${rest} more characters; use get_output]`,
    truncated: rest,
  };
}

/** Rows of a table as objects keyed by column. */
export function tableRows(columns: string[], rows: unknown[][]): Record<string, unknown>[] {
  return rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i]])));
}

function summarizeDisplay(d: Display, chars: number): DisplaySummary {
  switch (d.type) {
    case "table":
      return {
        type: "table",
        columns: d.data.columns,
        rows: tableRows(d.data.columns, d.data.rows.slice(0, SUMMARY_ROWS)),
        totalRows: d.data.totalRows,
      };
    case "png":
      return {
        type: "png",
        bytes: Math.floor(d.data.length * 3 / 4),
        note: "an image: read it with get_output",
      };
    case "json":
      return { type: "json", ...cut(JSON.stringify(d.data), chars) };
    case "widget": // widgets (issue 16): the control and its current value
      return { type: "widget", ...cut(widgetText(d.data), chars) };
    default:
      return { type: d.type, ...cut(d.data, chars) };
  }
}

/** One cell's outputs within `chars` characters (per display and for the console). */
export function summarizeOutputs(o: OutputView, chars: number): OutputSummary {
  return {
    displays: o.displays.map((d) => summarizeDisplay(d, chars)),
    console: cut(o.console.map((e) => e.text).join(""), chars).text,
    error: o.error
      ? {
        kind: o.error.kind,
        message: cut(o.error.message, chars).text,
        ...(o.error.line ? { line: o.error.line } : {}),
      }
      : null,
    cacheHit: o.cacheHit,
    durationMs: o.durationMs,
    current: o.current,
  };
}

/** A cell with its outputs cut to `chars` characters per display. */
export function summarizeCell(c: CellView, chars: number): CellSummary {
  return {
    id: c.id,
    name: c.name,
    language: c.language,
    status: c.status,
    whyStale: c.whyText,
    defines: c.defines,
    references: c.references,
    upstream: c.upstream,
    diagnostics: c.diagnostics.map((d) => d.message),
    blocked: c.grants?.blocked ?? null,
    source: cut(c.source, SOURCE_CHARS).text,
    outputs: c.outputs ? summarizeOutputs(c.outputs, chars) : null,
  };
}

/**
 * The notebook with every cell's outputs summarized so that together they stay near `budget`
 * characters: the budget is shared evenly by the cells that have outputs.
 */
export function summarizeNotebook(s: NotebookState, budget = DEFAULT_BUDGET): NotebookSummary {
  const withOutputs = s.cells.filter((c) => c.outputs).length;
  const chars = Math.max(200, Math.floor(budget / Math.max(1, withOutputs)));
  return {
    sid: s.sessionId,
    name: s.notebook.name,
    path: s.notebook.path,
    busy: s.busy,
    env: s.env.map((e) => e.key),
    awaitingApproval: s.awaitingApproval ?? [],
    cells: s.cells.map((c) => summarizeCell(c, chars)),
    order: s.dag.order,
  };
}

/** Options of {@link outputContent}. */
export interface OutputOptions {
  /** Table rows returned per table. */
  rowLimit: number;
  /** Characters per text display and for the console. */
  maxChars: number;
}

/** One cell's outputs as MCP content: a status line, then each display, console and error. */
export function outputContent(c: CellView, options: OutputOptions): Content[] {
  const o = c.outputs;
  const label = c.name ? `'${c.name}' (${c.id})` : `'${c.id}'`;
  if (!o) {
    return [{
      type: "text",
      text: `Cell ${label} has no outputs yet (status: ${c.status}); run it with run_cell`,
    }];
  }
  const head =
    `Cell ${label}: ${c.status}${o.current ? "" : " (outputs are from an older version)"}` +
    `${o.cacheHit ? ", from cache" : ""}, ${o.durationMs} ms`;
  const out: Content[] = [{ type: "text", text: head }];
  for (const d of o.displays) {
    switch (d.type) {
      case "png":
        out.push({ type: "image", data: d.data, mimeType: "image/png" });
        break;
      case "table": {
        const rows = d.data.rows.slice(0, options.rowLimit);
        out.push({
          type: "text",
          text: JSON.stringify({
            type: "table",
            columns: d.data.columns,
            rows: tableRows(d.data.columns, rows),
            shownRows: rows.length,
            totalRows: d.data.totalRows,
          }),
        });
        break;
      }
      case "json":
        out.push({ type: "text", text: cut(JSON.stringify(d.data), options.maxChars).text });
        break;
      case "widget": // widgets (issue 16)
        out.push({ type: "text", text: cut(widgetText(d.data), options.maxChars).text });
        break;
      default:
        out.push({ type: "text", text: cut(d.data, options.maxChars).text });
    }
  }
  const console = o.console.map((e) => e.text).join("");
  if (console) out.push({ type: "text", text: `console:\n${cut(console, options.maxChars).text}` });
  if (o.error) {
    const at = o.error.line ? ` (line ${o.error.line})` : "";
    out.push({ type: "text", text: `error (${o.error.kind})${at}: ${o.error.message}` });
  }
  return out;
}

/** A widget as one line: `slider n = 5`. */
function widgetText(w: { kind: string; name: string; value: unknown }): string {
  return `${w.kind} ${w.name} = ${JSON.stringify(w.value)}`;
}
