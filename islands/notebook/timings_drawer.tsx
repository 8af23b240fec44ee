/**
 * Per-cell durations and cache hits of the last run made from this page (or, before one, of each
 * cell's last run), with the run's wall time beside the sum of the cells that actually ran. A
 * cache hit's duration is its original run's: shown, but not added as if it ran again.
 */
import type { CellView, RunSummaryView } from "../../lib/protocol/notebook_state.ts";
import { cellLabel, formatDuration } from "../../lib/ui/notebook_types.ts";

/** A run made from this page, as the API reported it plus the time the page waited for it. */
export interface LastRun extends RunSummaryView {
  /** "all" for Run all, else the id of the cell that was run. */
  target: "all" | string;
  /** ISO time the run finished. */
  at: string;
  /** Wall time of the request that ran it, in ms. */
  wallMs: number;
}

/** Props of TimingsDrawer. */
export interface TimingsDrawerProps {
  cells: CellView[];
  lastRun: LastRun | null;
}

/** The drawer content. */
export function TimingsDrawer({ cells, lastRun }: TimingsDrawerProps) {
  const index = new Map(cells.map((c, i) => [c.id, i]));
  const rows = lastRun
    ? lastRun.cells.map((r) => ({ ...r, cell: cells[index.get(r.cellId) ?? -1] }))
    : cells.filter((c) => c.outputs).map((c) => ({
      cellId: c.id,
      status: c.status,
      cacheHit: c.outputs!.cacheHit,
      durationMs: c.outputs!.durationMs,
      cell: c,
    }));
  const ran = rows.filter((r) => !r.cacheHit);
  const ranMs = ran.reduce((n, r) => n + r.durationMs, 0);
  const hits = rows.length - ran.length;
  const name = (id: string) => {
    const i = index.get(id);
    return i === undefined ? id : `[${i + 1}] ${cellLabel(cells[i], i)}`;
  };
  return (
    <div class="timings">
      <p class="muted">
        {lastRun
          ? `Last run (${lastRun.target === "all" ? "Run all" : name(lastRun.target)}) at ${
            new Date(lastRun.at).toLocaleTimeString()
          }`
          : "No run from this page yet; showing each cell's last run."}
      </p>
      {lastRun && (
        <dl class="timings-summary">
          <div>
            <dt>Wall time</dt>
            <dd data-testid="wall-time">{formatDuration(lastRun.wallMs)}</dd>
          </div>
          <div>
            <dt>Cells that ran</dt>
            <dd data-testid="ran-sum">
              {formatDuration(ranMs)} <span class="muted">({ran.length} cells)</span>
            </dd>
          </div>
          <div>
            <dt>From the cache</dt>
            <dd>{hits} cells</dd>
          </div>
        </dl>
      )}
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
              <tr key={r.cellId} class={r.cacheHit ? "row-cached" : undefined}>
                <td>{name(r.cellId)}</td>
                <td>{r.status}</td>
                <td
                  class="num"
                  title={r.cacheHit ? "The original run's duration; nothing ran now" : undefined}
                >
                  {r.cacheHit ? `(${formatDuration(r.durationMs)})` : formatDuration(r.durationMs)}
                </td>
                <td>{r.cacheHit ? "hit" : "miss"}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">Ran</th>
              <td />
              <td class="num">{formatDuration(ranMs)}</td>
              <td>{hits}/{rows.length} hits</td>
            </tr>
          </tfoot>
        </table>
      )}
    </div>
  );
}
