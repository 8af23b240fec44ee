/**
 * Progress of a run, for MCP `notifications/progress`: the session's own events (a run planned
 * its cells, one more cell finished) become progress `done / total`, and while a cell keeps
 * running a heartbeat every few seconds tells the client the call is alive (clients reset their
 * request timeout on progress). Progress only ever increases, as the protocol requires.
 */
import type { Envelope } from "../session/events.ts";

/** One progress report. */
export interface Progress {
  progress: number;
  total?: number;
  message?: string;
}

/** Where progress goes (the MCP surface sends it as a notification). */
export type ProgressSink = (p: Progress) => void;

/** What {@link followRun} subscribes to: a session's event hub. */
export interface EventSource {
  subscribe(listener: (event: Envelope) => void): () => void;
}

/** Options of {@link followRun}. */
export interface FollowOptions {
  /** Milliseconds between heartbeats while nothing finishes. @default 2000 */
  heartbeatMs?: number;
}

/** Reports a session's run progress to `sink` until the returned function is called. */
export function followRun(
  events: EventSource,
  sink: ProgressSink,
  options: FollowOptions = {},
): () => void {
  const heartbeatMs = options.heartbeatMs ?? 2_000;
  let done = 0;
  let total: number | undefined;
  let last = -1;
  let beats = 0;
  let running: string | null = null;
  let since = Date.now();

  function send(progress: number, message: string): void {
    if (progress <= last) return;
    last = progress;
    sink({ progress, ...(total !== undefined ? { total } : {}), message });
  }

  const unsubscribe = events.subscribe((e) => {
    if (e.type === "cascade_progress") {
      const p = e.payload;
      total = p.total;
      if ("cells" in p) {
        send(last < 0 ? 0 : last + 0.01, `planned ${p.total} cell(s)`);
      } else {
        done = p.done;
        beats = 0;
        send(done, `finished cell ${p.cellId} (${p.done}/${p.total})`);
      }
    } else if (e.type === "cell_status" && e.payload.status === "running") {
      running = e.payload.cellId;
      since = Date.now();
    }
  });
  const timer = setInterval(() => {
    beats++;
    // Strictly increasing, yet below the next whole cell.
    const seconds = Math.round((Date.now() - since) / 1000);
    send(
      done + 0.9 * (1 - 0.5 ** beats),
      running ? `running cell ${running} (${seconds} s)` : "waiting for the run to start",
    );
  }, heartbeatMs);
  return () => {
    clearInterval(timer);
    unsubscribe();
  };
}
