/**
 * A cell's status pill: idle, running (with elapsed time), ready, cached, stale (why), error, and
 * the failures that are not the code's fault: cancelled and timed out.
 */
import { useEffect, useState } from "preact/hooks";
import type { CellView } from "../../lib/protocol/notebook_state.ts";
import { formatDuration } from "../../lib/ui/notebook_types.ts";

/** Props of StatusPill. */
export interface StatusPillProps {
  cell: CellView;
  /** When the client saw the cell start running (ms since epoch), if running. */
  runningSince?: number;
}

/** The pill; `title` carries the full "why stale" chain. */
export function StatusPill({ cell, runningSince }: StatusPillProps) {
  const [now, setNow] = useState(0);
  const running = cell.status === "running";
  useEffect(() => {
    if (!running) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), 100);
    return () => clearInterval(t);
  }, [running]);

  let kind: string = cell.status;
  let text: string = cell.status;
  let title = `Status: ${cell.status}`;
  if (running) {
    const elapsed = runningSince && now ? Math.max(0, now - runningSince) : 0;
    text = `running ${formatDuration(elapsed)}`;
    title = "Running";
  } else if (cell.status === "ready" && cell.outputs?.cacheHit) {
    kind = "cached";
    text = "cached";
    title = "Ready: the result came from the artifact cache";
  } else if (cell.status === "stale") {
    text = `stale · ${cell.staleReason ?? "changed"}`;
    title = cell.whyText ? `Stale: ${cell.whyText}` : `Stale (${cell.staleReason ?? "changed"})`;
  } else if (cell.status === "error") {
    const error = cell.outputs?.error;
    if (error?.kind === "cancelled") {
      kind = "cancelled";
      text = "cancelled";
      title = "Cancelled: the run was stopped before this cell finished";
    } else if (error?.kind === "timeout") {
      kind = "timeout";
      text = "timed out";
      title = `Timed out: ${error.message}`;
    } else {
      title = error ? `Error: ${error.message}` : "Error";
    }
  }
  return (
    <span class={`pill pill-${kind}`} title={title} data-status={kind} role="status">
      {text}
    </span>
  );
}
