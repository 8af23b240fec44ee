/**
 * A table output: column types and summaries, search, sortable columns, pages of rows, a row
 * count, and CSV/JSON download of the rows the output holds (issue 16).
 */
import { useMemo, useState } from "preact/hooks";
import {
  cellText,
  type ColumnSummary,
  queryRows,
  summarize,
  toCsv,
  toJsonRecords,
} from "../../lib/ui/table_query.ts";

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
  const [search, setSearch] = useState("");
  const summaries = useMemo(() => summarize(columns, rows), [columns, rows]);
  const sorted = useMemo(() => queryRows(rows, search, sort), [rows, search, sort]);
  const pages = Math.max(1, Math.ceil(sorted.length / PAGE));
  const at = Math.min(page, pages - 1);
  const shown = sorted.slice(at * PAGE, at * PAGE + PAGE);
  const toggle = (col: number) => {
    setSort((s) => (s?.col === col ? (s.dir === 1 ? { col, dir: -1 } : null) : { col, dir: 1 }));
    setPage(0);
  };
  const download = (kind: "csv" | "json") => {
    const body = kind === "csv" ? toCsv(columns, sorted) : toJsonRecords(columns, sorted);
    const type = kind === "csv" ? "text/csv" : "application/json";
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([body], { type }));
    a.download = `table.${kind}`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  };
  return (
    <div class="table-output">
      <div class="table-tools">
        <input
          type="search"
          class="table-search"
          placeholder="Search rows"
          aria-label="Search rows"
          value={search}
          onInput={(e) => {
            setSearch((e.target as HTMLInputElement).value);
            setPage(0);
          }}
        />
        <button type="button" onClick={() => download("csv")}>Download CSV</button>
        <button type="button" onClick={() => download("json")}>Download JSON</button>
      </div>
      <div class="table-scroll">
        <table>
          <thead>
            <tr>
              {columns.map((c, i) => (
                <th
                  key={c}
                  title={summaryText(summaries[i])}
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
                  <span class="col-type" data-type={summaries[i].type}>
                    {summaries[i].type}
                    {summaries[i].nulls > 0 ? ` · ${summaries[i].nulls} null` : ""}
                  </span>
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
          {sorted.length === 0
            ? (rows.length === 0 ? "No rows" : "No matching rows")
            : `Rows ${at * PAGE + 1}–${at * PAGE + shown.length} of ${sorted.length}`}
          {sorted.length < rows.length && sorted.length > 0
            ? ` (filtered from ${rows.length})`
            : ""}
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

/** A column's summary as one line (the header's tooltip). */
function summaryText(s: ColumnSummary): string {
  const range = s.min !== undefined ? `, min ${s.min}, max ${s.max}` : "";
  return `${s.name}: ${s.type}, ${s.nulls} null, ${s.distinct} distinct${range}`;
}
