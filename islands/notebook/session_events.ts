/** Applies session socket events to the notebook state the page shows. Pure, so it is unit-tested. */
import type { NotebookState } from "../../lib/protocol/notebook_state.ts";
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
      return patch(state, p.cellId, (c) => ({ ...c, status: p.status }));
    }
    case "cell_output": {
      const { cellId, ...outputs } = e.payload;
      return patch(state, cellId, (c) => ({ ...c, outputs }));
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

function patch(
  state: NotebookState,
  cellId: string,
  fn: (c: NotebookState["cells"][number]) => NotebookState["cells"][number],
): NotebookState {
  if (!state.cells.some((c) => c.id === cellId)) return state;
  return { ...state, cells: state.cells.map((c) => (c.id === cellId ? fn(c) : c)) };
}
