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
  /** Starts a repeating timer and returns its stop function (tests pass a manual clock). */
  every?: (fn: () => void, ms: number) => () => void;
  /** @default Date.now */
  now?: () => number;
}

function every(fn: () => void, ms: number): () => void {
  const id = setInterval(fn, ms);
  return () => clearInterval(id);
}

/** Reports a session's run progress to `sink` until the returned function is called. */
export function followRun(
  events: EventSource,
  sink: ProgressSink,
  options: FollowOptions = {},
): () => void {
  const heartbeatMs = options.heartbeatMs ?? 2_000;
  const now = options.now ?? Date.now;
  let done = 0;
  let total: number | undefined;
  let last = -1;
  let beats = 0;
  const running = new Set<string>();
  let since = now();

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
        running.delete(p.cellId);
        since = now();
        send(done, `finished cell ${p.cellId} (${p.done}/${p.total})`);
      }
    } else if (e.type === "cache_hits") {
      const p = e.payload;
      total = p.total;
      done = p.done;
      beats = 0;
      since = now();
      send(done, `${p.cells.length} cell(s) from the cache (${p.done}/${p.total})`);
    } else if (e.type === "cell_status" && e.payload.status === "running") {
      if (running.size === 0) since = now();
      running.add(e.payload.cellId);
    }
  });
  const stopTimer = (options.every ?? every)(() => {
    beats++;
    // Strictly increasing, yet below the next whole cell (distinct for millions of beats).
    const seconds = Math.round((now() - since) / 1000);
    send(
      done + 0.99 * beats / (beats + 1),
      running.size
        ? `running cell ${[...running][0]} (${seconds} s)`
        : "waiting for the run to start",
    );
  }, heartbeatMs);
  return () => {
    stopTimer();
    unsubscribe();
  };
}
