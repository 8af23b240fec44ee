/** A table output: sortable columns, pages of rows, and a row count. */
import { useMemo, useState } from "preact/hooks";

const PAGE = 10;

/** Props of TableView. */
export interface TableViewProps {
  columns: string[];
  rows: unknown[][];
  totalRows: number;
}

/** The table with its pager. */
export function TableView({ columns, rows, totalRows }: TableViewProps) {
  const [sort, setSort] = useState<{ col: number; dir: 1 | -1 } | null>(null);
  const [page, setPage] = useState(0);
  const sorted = useMemo(() => {
    if (!sort) return rows;
    return [...rows].sort((a, b) => compare(a[sort.col], b[sort.col]) * sort.dir);
  }, [rows, sort]);
  const pages = Math.max(1, Math.ceil(sorted.length / PAGE));
  const at = Math.min(page, pages - 1);
  const shown = sorted.slice(at * PAGE, at * PAGE + PAGE);
  const toggle = (col: number) => {
    setSort((s) => (s?.col === col ? (s.dir === 1 ? { col, dir: -1 } : null) : { col, dir: 1 }));
    setPage(0);
  };
  return (
    <div class="table-output">
      <div class="table-scroll">
        <table>
          <thead>
            <tr>
              {columns.map((c, i) => (
                <th
                  key={c}
                  aria-sort={sort?.col === i
                    ? (sort.dir === 1 ? "ascending" : "descending")
                    : "none"}
                >
                  <button type="button" class="th-sort" onClick={() => toggle(i)}>
                    {c}
                    <span aria-hidden="true">
                      {sort?.col === i ? (sort.dir === 1 ? " ▲" : " ▼") : ""}
                    </span>
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((r, ri) => (
              <tr key={ri}>
                {columns.map((_c, ci) => <td key={ci}>{cellText(r[ci])}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div class="table-foot">
        <span class="row-count">
          {rows.length === 0
            ? "No rows"
            : `Rows ${at * PAGE + 1}–${at * PAGE + shown.length} of ${rows.length}`}
          {totalRows > rows.length ? ` (first ${rows.length} of ${totalRows} total)` : ""}
        </span>
        {pages > 1 && (
          <span class="pager">
            <button
              type="button"
              disabled={at === 0}
              onClick={() => setPage(at - 1)}
              aria-label="Previous page"
            >
              ‹
            </button>
            <span>{at + 1} / {pages}</span>
            <button
              type="button"
              disabled={at >= pages - 1}
              onClick={() => setPage(at + 1)}
              aria-label="Next page"
            >
              ›
            </button>
          </span>
        )}
      </div>
    </div>
  );
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}
