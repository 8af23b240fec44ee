/**
 * Table output queries (issue 16): per-column type and summary, search, sort, and CSV/JSON
 * renderings. Pure functions over `rows[][]`, shared by the browser's table view (and meant for a
 * server-side pager over stored results).
 */

/** The kind of values a column holds. */
export type ColumnType = "number" | "string" | "boolean" | "date" | "mixed" | "empty";

/** What the header of a column says about it. */
export interface ColumnSummary {
  name: string;
  type: ColumnType;
  nulls: number;
  distinct: number;
  min?: number | string;
  max?: number | string;
}

/** A sort: column index and direction. */
export interface TableSort {
  col: number;
  dir: 1 | -1;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?$/;

/** Type, null count, distinct count and min/max of each column. */
export function summarize(columns: readonly string[], rows: readonly unknown[][]): ColumnSummary[] {
  return columns.map((name, c) => {
    let nulls = 0;
    const kinds = new Set<ColumnType>();
    const seen = new Set<unknown>();
    let min: number | string | undefined;
    let max: number | string | undefined;
    for (const r of rows) {
      const v = r[c];
      if (v === null || v === undefined || v === "") {
        nulls++;
        continue;
      }
      const kind: ColumnType = typeof v === "number"
        ? "number"
        : typeof v === "boolean"
        ? "boolean"
        : typeof v === "string" && ISO_DATE.test(v)
        ? "date"
        : "string";
      kinds.add(kind);
      seen.add(typeof v === "object" ? JSON.stringify(v) : v);
      if (typeof v === "number" || typeof v === "string") {
        if (min === undefined || compare(v, min) < 0) min = v;
        if (max === undefined || compare(v, max) > 0) max = v;
      }
    }
    const type: ColumnType = kinds.size === 0
      ? "empty"
      : kinds.size === 1
      ? [...kinds][0]
      : kinds.size === 2 && kinds.has("date") && kinds.has("string")
      ? "string"
      : "mixed";
    return { name, type, nulls, distinct: seen.size, min, max };
  });
}

/** Rows whose text contains `search` (case-insensitive) in any column, sorted by `sort`. */
export function queryRows(
  rows: readonly unknown[][],
  search: string,
  sort: TableSort | null,
): unknown[][] {
  const needle = search.trim().toLowerCase();
  const kept = needle
    ? rows.filter((r) => r.some((v) => cellText(v).toLowerCase().includes(needle)))
    : [...rows];
  if (sort) kept.sort((a, b) => compare(a[sort.col], b[sort.col]) * sort.dir);
  return kept;
}

/** Nulls last; numbers numerically; everything else as text with numeric collation. */
export function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

/** A cell as text: empty for null, JSON for objects. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** RFC 4180 CSV (CRLF, quotes doubled); a leading =, +, -, @ is prefixed with ' (no formulas). */
export function toCsv(columns: readonly string[], rows: readonly unknown[][]): string {
  const field = (v: unknown) => {
    let s = cellText(v);
    if (/^[=+\-@\t\r]/.test(s) && typeof v !== "number") s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [columns, ...rows].map((r) => r.map(field).join(",")).join("\r\n") + "\r\n";
}

/** The rows as a JSON array of records. */
export function toJsonRecords(columns: readonly string[], rows: readonly unknown[][]): string {
  return JSON.stringify(rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i]]))));
}
