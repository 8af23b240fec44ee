/**
 * Reactive runs (issue 14 item 1): which cells run when a person runs one cell. In autorun mode
 * (the default, `[runtime] on_change = "autorun"`) the cell's dependents that are not up to date
 * run in the same queued run, after it; up-to-date dependents are left alone (they would be cache
 * hits anyway). A `@lazy` cell is never run this way, and neither is anything that would need it
 * re-run: its dependents stay stale until someone runs it. In lazy mode only the cell (and the
 * stale upstream cells it needs) runs, and its dependents are marked stale.
 */
import { type Dag, downstreamOf, upstreamOf } from "./dag.ts";

/** What autorunTargets needs to know about each cell. */
export interface AutorunCells {
  /** The cell carries `@lazy`. */
  lazy: (cellId: string) => boolean;
  /** The cell's last run is current and succeeded (status "ready"). */
  upToDate: (cellId: string) => boolean;
}

/** The cells to run, in topological order, when `cellId` is run in autorun mode. */
export function autorunTargets(dag: Dag, cellId: string, cells: AutorunCells): string[] {
  const picked = new Set([cellId]);
  for (const d of downstreamOf(dag, cellId)) {
    if (cells.upToDate(d) || cells.lazy(d)) continue;
    // A lazy cell that is not up to date anywhere above `d` (other than the cell being run) would
    // have to run first: leave `d` stale rather than run the lazy cell behind the user's back.
    const needsLazy = [...upstreamOf(dag, d)].some((u) =>
      u !== cellId && cells.lazy(u) && !cells.upToDate(u)
    );
    if (!needsLazy) picked.add(d);
  }
  return dag.order.filter((id) => picked.has(id));
}
