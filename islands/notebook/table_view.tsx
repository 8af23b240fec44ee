/**
 * A table output: column types and summaries, search, sortable columns, pages of rows, a row
 * count, and CSV/JSON download of the rows the output holds (issue 16).
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { apiCall } from "./api_client.ts";
import {
  cellText,
  type ColumnSummary,
  queryRows,
  summarize,
  toCsv,
  toJsonRecords,
} from "../../lib/ui/table_query.ts";

const PAGE = 10;
/** Rows per page when the server pages (the display carries exactly the first one). */
const SERVER_PAGE = 50;

/** Props of TableView. */
export interface TableViewProps {
  columns: string[];
  rows: unknown[][];
  totalRows: number;
  /** The stored name the rows come from: the server pages, sorts and filters it (issue 16). */
  source?: string;
  /** Index of this display among the cell's displays. */
  display?: number;
}

/** One page from `output.table_page`. */
interface ServerPage {
  rows: unknown[][];
  offset: number;
  totalRows: number;
  matchedRows: number;
}

/** The table with its pager. */
export function TableView({ columns, rows, totalRows, source, display = 0 }: TableViewProps) {
  const [sort, setSort] = useState<{ col: number; dir: 1 | -1 } | null>(null);
  const [page, setPage] = useState(0);
  const [search, setSearch] = useState("");
  const [remote, setRemote] = useState<ServerPage | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const root = useRef<HTMLDivElement>(null);
  const paged = source !== undefined && totalRows > rows.length;
  const where = () => {
    const el = root.current;
    const sid = el?.closest<HTMLElement>("[data-session-id]")?.dataset.sessionId;
    const cellId = el?.closest<HTMLElement>("[data-cell-id]")?.dataset.cellId;
    return sid && cellId
      ? `/v1/notebooks/${encodeURIComponent(sid)}/cells/${encodeURIComponent(cellId)}`
      : null;
  };
  useEffect(() => {
    if (!paged) return;
    if (page === 0 && !sort && !search.trim()) return setRemote(null), setFailure(null);
    const base = where();
    if (!base) return;
    let live = true;
    const timer = setTimeout(() => {
      apiCall<ServerPage>("POST", `${base}/table-page`, {
        display,
        offset: page * SERVER_PAGE,
        limit: SERVER_PAGE,
        sort: sort ?? undefined,
        filter: search.trim() || undefined,
      }).then((p) => live && (setRemote(p), setFailure(null)))
        .catch((e) => live && setFailure((e as Error).message));
    }, search ? 250 : 0);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [paged, page, sort, search, display]);
  const summaries = useMemo(() => summarize(columns, rows), [columns, rows]);
  const local = useMemo(
    () => (paged ? rows : queryRows(rows, search, sort)),
    [rows, search, sort, paged],
  );
  const size = paged ? SERVER_PAGE : PAGE;
  const sorted = local;
  const count = paged ? (remote?.matchedRows ?? totalRows) : sorted.length;
  const pages = Math.max(1, Math.ceil(count / size));
  const at = Math.min(page, pages - 1);
  const shown = paged ? (remote?.rows ?? rows) : sorted.slice(at * PAGE, at * PAGE + PAGE);
  const toggle = (col: number) => {
    setSort((s) => (s?.col === col ? (s.dir === 1 ? { col, dir: -1 } : null) : { col, dir: 1 }));
    setPage(0);
  };
  const download = (kind: "csv" | "json") => {
    const base = paged ? where() : null;
    if (base) {
      location.assign(`${base}/table?display=${display}&format=${kind}`);
      return;
    }
    const body = kind === "csv" ? toCsv(columns, sorted) : toJsonRecords(columns, sorted);
    const type = kind === "csv" ? "text/csv" : "application/json";
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([body], { type }));
    a.download = `table.${kind}`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  };
  return (
    <div class="table-output" ref={root} data-paged={paged ? "server" : "client"}>
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
          {count === 0
            ? (rows.length === 0 ? "No rows" : "No matching rows")
            : `Rows ${at * size + 1}–${at * size + shown.length} of ${count}`}
          {paged
            ? (count < totalRows ? ` (filtered from ${totalRows})` : "")
            : (sorted.length < rows.length && sorted.length > 0
              ? ` (filtered from ${rows.length})`
              : "") +
              (totalRows > rows.length ? ` (first ${rows.length} of ${totalRows} total)` : "")}
          {failure && <span class="table-error" role="alert">{failure}</span>}
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
