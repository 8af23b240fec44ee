/** Per-cell durations and cache hits of the last run-all (or, before one, of each cell's last run). */
import { cellLabel, type CellView, formatDuration } from "../../lib/ui/notebook_types.ts";

/** The last run-all as the API reported it. */
export interface RunAllResult {
  at: string;
  ok: boolean;
  cells: { cellId: string; status: string; cacheHit: boolean; durationMs: number }[];
}

/** Props of TimingsDrawer. */
export interface TimingsDrawerProps {
  cells: CellView[];
  lastRunAll: RunAllResult | null;
}

/** The drawer content. */
export function TimingsDrawer({ cells, lastRunAll }: TimingsDrawerProps) {
  const index = new Map(cells.map((c, i) => [c.id, i]));
  const rows = lastRunAll
    ? lastRunAll.cells.map((r) => ({ ...r, cell: cells[index.get(r.cellId) ?? -1] }))
    : cells.filter((c) => c.outputs).map((c) => ({
      cellId: c.id,
      status: c.status,
      cacheHit: c.outputs!.cacheHit,
      durationMs: c.outputs!.durationMs,
      cell: c,
    }));
  const total = rows.reduce((n, r) => n + r.durationMs, 0);
  const hits = rows.filter((r) => r.cacheHit).length;
  return (
    <div class="timings">
      <p class="muted">
        {lastRunAll
          ? `Last run-all at ${new Date(lastRunAll.at).toLocaleTimeString()}`
          : "No run-all in this page yet; showing each cell's last run."}
      </p>
      {rows.length === 0 ? <p class="muted">Nothing has run yet.</p> : (
        <table class="timings-table">
          <thead>
            <tr>
              <th scope="col">Cell</th>
              <th scope="col">Status</th>
              <th scope="col" class="num">Duration</th>
              <th scope="col">Cache</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.cellId}>
                <td>
                  {r.cell
                    ? `[${(index.get(r.cellId) ?? 0) + 1}] ${
                      cellLabel(r.cell, index.get(r.cellId) ?? 0)
                    }`
                    : r.cellId}
                </td>
                <td>{r.status}</td>
                <td class="num">{formatDuration(r.durationMs)}</td>
                <td>{r.cacheHit ? "hit" : "miss"}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">Total</th>
              <td />
              <td class="num">{formatDuration(total)}</td>
              <td>{hits}/{rows.length} hits</td>
            </tr>
          </tfoot>
        </table>
      )}
    </div>
  );
}
