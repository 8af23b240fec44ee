/** Turns session views into what the CLI prints: text for people, JSON for agents, DOT for Graphviz. */
import type { DisplayOutput } from "../executor/types.ts";
import type { NotebookSession, RunSummary } from "../session/notebook_session.ts";

type CellState = ReturnType<NotebookSession["state"]>["cells"][number];
type DagView = ReturnType<NotebookSession["dagView"]>;

/** One cell of a run report. */
export interface RunReportCell {
  id: string;
  name: string | null;
  status: "ready" | "error";
  cacheHit: boolean;
  durationMs: number;
  displays: DisplayOutput[];
  console: { stream: string; text: string }[];
  error: { kind: string; message: string; line?: number; column?: number } | null;
}

/** A run's outcome as `strata run --format json` prints it. */
export interface RunReport {
  ok: boolean;
  cells: RunReportCell[];
}

/** Joins a run summary with the cells' outputs from the session state. */
export function runReport(summary: RunSummary, cells: CellState[]): RunReport {
  const byId = new Map(cells.map((c) => [c.id, c]));
  return {
    ok: summary.ok,
    cells: summary.cells.map((r) => {
      const c = byId.get(r.cellId);
      const out = c?.outputs;
      const e = out?.error;
      return {
        id: r.cellId,
        name: c?.name ?? null,
        status: r.status,
        cacheHit: r.cacheHit,
        durationMs: Math.round(r.durationMs * 10) / 10,
        displays: out?.displays ?? [],
        console: out?.console ?? [],
        error: e ? { kind: e.kind, message: e.message, line: e.line, column: e.column } : null,
      };
    }),
  };
}

/** A run report for people: one line per cell, then its console and text outputs, indented. */
export function runText(report: RunReport): string {
  return [...report.cells.map(cellRunText), runSummaryText(report)].join("\n");
}

/**
 * One finished cell for people: its status line, then its console (`  | `), its displays (tables
 * summarised, see displaySummary) and its error (`  ! `). `strata run` prints it as the cell ends.
 */
export function cellRunText(c: RunReportCell): string {
  const lines: string[] = [];
  const how = c.cacheHit ? `cache hit (ran in ${c.durationMs} ms)` : `ran in ${c.durationMs} ms`;
  lines.push(`${c.status === "ready" ? "ok  " : "FAIL"}  ${label(c.id, c.name)}  ${how}`);
  for (const entry of c.console) lines.push(...indent(entry.text.replace(/\n$/, ""), "  | "));
  for (const d of c.displays) lines.push(...indent(displaySummary(d), "  "));
  if (c.error) {
    const at = c.error.line
      ? ` (line ${c.error.line}${c.error.column ? `, column ${c.error.column}` : ""})`
      : "";
    lines.push(...indent(`${c.error.kind}: ${c.error.message}${at}`, "  ! "));
  }
  return lines.join("\n");
}

/** The last line of a run: how many cells, cache hits and failures. */
export function runSummaryText(report: RunReport): string {
  const hits = report.cells.filter((c) => c.cacheHit).length;
  const failed = report.cells.filter((c) => c.status !== "ready").length;
  return `${report.ok ? "ok" : "FAILED"}: ${report.cells.length} cell(s), ${hits} cache hit(s)` +
    (failed ? `, ${failed} failed` : "");
}

/** Rows of a table `strata run` prints; the rest are counted, not shown. */
export const SUMMARY_ROWS = 5;

/**
 * A display for a terminal: like displayText, but a table is a summary (its columns, its row
 * count and the first SUMMARY_ROWS rows), so a 1,000-row result is a few lines, not a thousand.
 */
export function displaySummary(d: DisplayOutput): string {
  if (d.type !== "table") return displayText(d);
  const { columns, rows, totalRows } = d.data;
  const head = `table: ${totalRows} row${totalRows === 1 ? "" : "s"} × ${columns.length} column${
    columns.length === 1 ? "" : "s"
  } (${columns.join(", ")})`;
  const shown = rows.slice(0, SUMMARY_ROWS).map((r) => r.map(cellText).join("\t"));
  const more = totalRows - shown.length;
  return [head, columns.join("\t"), ...shown, ...(more > 0 ? [`… ${more} more rows`] : [])]
    .join("\n");
}

/** The line a terminal shows for a cell while it runs (rewritten in place as time passes). */
export function progressText(id: string, name: string | null, elapsedMs: number): string {
  return `...   ${label(id, name)}  running ${(elapsedMs / 1000).toFixed(1)} s`;
}

/** A display output as text; binary and markup kinds are summarised. */
export function displayText(d: DisplayOutput): string {
  switch (d.type) {
    case "text":
    case "markdown":
      return d.data;
    case "json":
      return JSON.stringify(d.data, null, 2);
    case "table": {
      const rows = [d.data.columns, ...d.data.rows.map((r) => r.map(cellText))];
      const more = d.data.totalRows > d.data.rows.length
        ? `\n(${d.data.totalRows - d.data.rows.length} more rows)`
        : "";
      return rows.map((r) => r.join("\t")).join("\n") + more;
    }
    case "widget": // widgets (issue 16)
      return `[${d.data.kind} ${d.data.name} = ${JSON.stringify(d.data.value)}]`;
    default:
      return `[${d.type} output, ${d.data.length} characters]`;
  }
}

/** `strata status` as text: one line per cell with its status and, when stale, why. */
export function statusText(name: string, path: string, cells: CellState[]): string {
  const lines = [`${name} (${path})`];
  for (const c of cells) {
    const stale = c.status === "stale" ? ` (${c.staleReason ?? "self"})` : "";
    lines.push(`  ${label(c.id, c.name).padEnd(24)} ${c.status}${stale}`);
    if (c.status === "stale" && c.whyText) lines.push(...indent(c.whyText, "      "));
    for (const d of c.diagnostics ?? []) lines.push(...indent(diagnosticText(d), "      ! "));
  }
  return lines.join("\n");
}

/** `strata cell list` as text: id, language, status and the first line of the source. */
export function cellListText(cells: CellState[]): string {
  return cells.map((c) => {
    const first = c.source.split("\n").find((l) => l.trim() !== "") ?? "";
    return `${label(c.id, c.name).padEnd(24)} ${c.language.padEnd(10)} ${c.status.padEnd(6)} ${
      first.slice(0, 60)
    }`;
  }).join("\n");
}

/** `strata dag` as text: the run order, then one line per edge. */
export function dagText(dag: DagView): string {
  const lines = [`order: ${dag.order.join(" ")}`];
  for (const e of dag.edges) {
    lines.push(
      `${e.from} -> ${e.to}${e.names?.length ? `  (${e.names.join(", ")})` : ""}${
        e.kind === "after" ? "  [@after]" : ""
      }`,
    );
  }
  return lines.join("\n");
}

/** The DAG in Graphviz DOT, cells labelled with their names when they have one. */
export function dagDot(dag: DagView, cells: CellState[]): string {
  const q = (s: string) => `"${s.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
  const lines = ["digraph strata {", "  rankdir=LR;"];
  for (const c of cells) lines.push(`  ${q(c.id)} [label=${q(c.name ?? c.id)}];`);
  for (const e of dag.edges) {
    const names = e.names?.length
      ? ` [label=${q(e.names.join(", "))}]`
      : e.kind === "after"
      ? " [style=dashed]"
      : "";
    lines.push(`  ${q(e.from)} -> ${q(e.to)}${names};`);
  }
  lines.push("}");
  return lines.join("\n");
}

function label(id: string, name: string | null): string {
  return name ? `${id} (${name})` : id;
}

function indent(text: string, prefix: string): string[] {
  return text.split("\n").map((l) => prefix + l);
}

function cellText(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v) ?? String(v);
}

function diagnosticText(d: unknown): string {
  if (d && typeof d === "object" && "message" in d) {
    return String((d as { message: unknown }).message);
  }
  return String(d);
}
