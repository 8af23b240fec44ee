/** Applies session socket events to the notebook state the page shows. Pure, so it is unit-tested. */
import type { NotebookState, OutputView } from "../../lib/protocol/notebook_state.ts";
import type { SocketEnvelope } from "../../lib/protocol/socket_events.ts";

/** The state after one event; events that do not change cells return the state unchanged. */
export function reduceEvent(state: NotebookState, e: SocketEnvelope): NotebookState {
  switch (e.type) {
    case "notebook_state":
      return e.payload;
    case "dag_update":
      return { ...state, dag: e.payload };
    case "cell_status": {
      const p = e.payload;
      if (p.status !== "running") {
        return patch(state, p.cellId, (c) => ({ ...c, status: p.status }));
      }
      // The previous run's console and error go; its displays stay until this run shows one.
      return patch(state, p.cellId, (c) => ({
        ...c,
        status: "running",
        outputs: {
          ...(c.outputs ?? EMPTY),
          console: [],
          consoleTruncated: false,
          error: null,
          live: "started",
        },
      }));
    }
    case "cell_console": {
      const p = e.payload;
      if (!p.live) return state; // the finished console arrives with cell_output
      return patch(state, p.cellId, (c) => {
        const out = liveOutputs(c.outputs);
        return { ...c, outputs: { ...out, console: [...out.console, ...p.entries] } };
      });
    }
    case "cell_display": {
      const p = e.payload;
      return patch(state, p.cellId, (c) => {
        const out = liveOutputs(c.outputs);
        const displays = out.live === "displays" ? [...out.displays, p.display] : [p.display];
        return { ...c, outputs: { ...out, displays, live: "displays" } };
      });
    }
    case "cell_output": {
      const { cellId, ...outputs } = e.payload;
      return patch(state, cellId, (c) => ({ ...c, outputs }));
    }
    case "cache_hits": {
      // Cells finished from the cache, all at once: one pass over the cells (issue 20).
      const byId = new Map(e.payload.cells.map((h) => [h.cellId, h]));
      return {
        ...state,
        cells: state.cells.map((c) => {
          const h = byId.get(c.id);
          return h ? { ...c, status: h.status, outputs: h.outputs } : c;
        }),
      };
    }
    case "cell_states": {
      // Dependents' statuses and why-chains as of this moment of the run.
      const byId = new Map(e.payload.cells.map((s) => [s.cellId, s]));
      return {
        ...state,
        cells: state.cells.map((c) => {
          const s = byId.get(c.id);
          if (!s) return c;
          const { cellId: _id, ...rest } = s;
          return { ...c, ...rest };
        }),
      };
    }
    case "presence":
      return { ...state, viewers: e.payload.viewers };
    default:
      return state;
  }
}

/**
 * A full state from the server, keeping the live output the page gathered for cells that are
 * still running (the server's state holds only finished outputs; a state that arrives mid-run,
 * e.g. when the socket reconnects, would otherwise blank a running cell's lines).
 */
export function withLiveOutputs(prev: NotebookState, next: NotebookState): NotebookState {
  const live = new Map(
    prev.cells.filter((c) => c.status === "running" && c.outputs?.live).map((c) => [c.id, c]),
  );
  if (live.size === 0 || prev.sessionId !== next.sessionId) return next;
  return {
    ...next,
    cells: next.cells.map((c) => {
      const p = live.get(c.id);
      return p && c.status === "running" ? { ...c, outputs: p.outputs } : c;
    }),
  };
}

/** Outputs of a cell that has none yet, as live output starts filling them. */
const EMPTY: OutputView = {
  displays: [],
  console: [],
  consoleTruncated: false,
  error: null,
  cacheHit: false,
  durationMs: 0,
  finishedAt: "",
  current: true,
};

/**
 * A cell's outputs ready for live output: as they are once its run started, or (a page that
 * joined mid-run, so it missed the `running` event) the previous run's with its console dropped.
 */
function liveOutputs(out: OutputView | null): OutputView {
  if (out?.live) return out;
  return { ...(out ?? EMPTY), console: [], consoleTruncated: false, error: null, live: "started" };
}

function patch(
  state: NotebookState,
  cellId: string,
  fn: (c: NotebookState["cells"][number]) => NotebookState["cells"][number],
): NotebookState {
  if (!state.cells.some((c) => c.id === cellId)) return state;
  return { ...state, cells: state.cells.map((c) => (c.id === cellId ? fn(c) : c)) };
}
