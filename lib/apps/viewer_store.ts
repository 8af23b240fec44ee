/**
 * Per-viewer app state, in memory: each viewer's widget values and the outputs their runs made.
 * Never written to the notebook; a server restart starts every viewer from the notebook's own
 * values. Bounded: the least recently used viewers are dropped beyond `maxViewers`.
 */
import type { CellError } from "../executor/types.ts";
import type { StoredResult } from "../runtime/cell_cache.ts";

/** A viewer's output of one cell. */
export interface ViewerOutput {
  provenance: string;
  status: "ready" | "error";
  cacheHit: boolean;
  result: StoredResult;
  error?: CellError;
}

/** One viewer of one notebook. */
export interface ViewerState {
  /** The viewer's own values over the notebook's: cell → name → value (null: the source's). */
  widgets: Record<string, Record<string, unknown>>;
  outputs: Map<string, ViewerOutput>;
  /** Runs of one viewer go one at a time. */
  queue: Promise<unknown>;
}

/** Options of createViewerStore. */
export interface ViewerStoreOptions {
  /** @default 10_000 */
  maxViewers?: number;
}

/** The viewers of a server. */
export interface ViewerStore {
  /** The state of `viewer` on the notebook at `notebookKey` (created empty). */
  get(notebookKey: string, viewer: string): ViewerState;
  /** Number of viewers kept. */
  readonly size: number;
}

/** Creates an empty in-memory viewer store. */
export function createViewerStore(options: ViewerStoreOptions = {}): ViewerStore {
  const max = options.maxViewers ?? 10_000;
  const viewers = new Map<string, ViewerState>();
  return {
    get(notebookKey, viewer) {
      const key = `${notebookKey}\u0000${viewer}`;
      let state = viewers.get(key);
      if (state) viewers.delete(key);
      else state = { widgets: {}, outputs: new Map(), queue: Promise.resolve() };
      viewers.set(key, state); // most recently used last
      while (viewers.size > max) viewers.delete(viewers.keys().next().value!);
      return state;
    },
    get size() {
      return viewers.size;
    },
  };
}

/** Runs `fn` after the viewer's earlier runs. */
export function inViewerQueue<T>(state: ViewerState, fn: () => Promise<T>): Promise<T> {
  const next = state.queue.then(fn, fn);
  state.queue = next.catch(() => {});
  return next;
}
