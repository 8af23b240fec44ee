/**
 * The session WebSocket protocol: a tagged union of server events (each a `{type, payload}` pair
 * inside the `{type, seq, ts, payload}` envelope) and of the messages a client may send. The
 * session's event hub emits only these, and the notebook island switches on `type` with the
 * payload narrowed, so there is no `payload: unknown` on either side. Client messages are
 * decoded and validated by routes/ws.ts into commands of the command table (lib/commands).
 */
import type { RunMode } from "../runtime/run_engine.ts";
import type {
  CellStateView,
  ConsoleEntry,
  DagView,
  Display,
  NotebookState,
  OutputView,
} from "./notebook_state.ts";

export type { RunMode };

/** `cell_status`: a cell started, or finished with this outcome. */
export type CellStatusPayload =
  | { cellId: string; status: "running" }
  | { cellId: string; status: "ready" | "error"; cacheHit: boolean; durationMs: number };

/** `cell_output`: a cell's outputs after it finished. */
export type CellOutputPayload = { cellId: string } & OutputView;

/**
 * `cell_console`: a cell's console lines. Without `live`, its whole console after it finished
 * (replaces what is shown); with `live: true`, lines it just printed while running (appended).
 */
export interface CellConsolePayload {
  cellId: string;
  entries: ConsoleEntry[];
  truncated: boolean;
  live?: true;
}

/** `cell_display`: a display output a running cell just showed (appended; `cell_output` follows). */
export interface CellDisplayPayload {
  cellId: string;
  display: Display;
}

/** `cascade_progress`: a run planned its cells (done 0), or one more cell finished. */
export type CascadeProgressPayload =
  | { cells: string[]; done: 0; total: number }
  | { cellId: string; done: number; total: number };

/**
 * `cache_hits`: cells of a run that finished from the cache, together (issue 20). Stands for each
 * cell's `cell_console`, `cell_output`, `cell_status` and `cascade_progress`: a cached run-all of
 * 1,000 cells is one event, not 4,000. `done`/`total` are the run's progress after them.
 */
export interface CacheHitsPayload {
  cells: ({ cellId: string; status: "ready" | "error"; durationMs: number } & {
    outputs: OutputView;
  })[];
  done: number;
  total: number;
}

/** `cell_states`: every code cell's status and why-chain, after a cell of a run finished. */
export interface CellStatesPayload {
  cells: CellStateView[];
}

/** `presence`: the number of open sockets on the session changed. */
export interface PresencePayload {
  viewers: number;
}

/** `error`: a client message was refused or failed, with the code and status HTTP would use. */
export interface ErrorPayload {
  /** The `id` of the `command` message this answers, if it had one. */
  id?: string;
  /** Machine-readable code, as in the HTTP error body (`not_found`, `forbidden`, ...). */
  code: string;
  status: number;
  message: string;
  /** Extra facts, as in the HTTP error body (a refused edit: the cell's current source). */
  details?: Record<string, unknown>;
}

/**
 * `command_result`: the answer of a generic `command` message. Its shape is the named command's
 * JSON answer (see the command table), so it is not narrowed here.
 */
export interface CommandResultPayload {
  id?: string;
  result: unknown;
}

/** Every server-to-client event, by type. */
export type SocketEvent =
  | { type: "notebook_state"; payload: NotebookState }
  | { type: "dag_update"; payload: DagView }
  | { type: "cell_status"; payload: CellStatusPayload }
  | { type: "cell_output"; payload: CellOutputPayload }
  | { type: "cell_console"; payload: CellConsolePayload }
  | { type: "cell_display"; payload: CellDisplayPayload }
  | { type: "cascade_progress"; payload: CascadeProgressPayload }
  | { type: "cache_hits"; payload: CacheHitsPayload }
  | { type: "cell_states"; payload: CellStatesPayload }
  | { type: "presence"; payload: PresencePayload }
  | { type: "error"; payload: ErrorPayload }
  | { type: "command_result"; payload: CommandResultPayload };

/** Server event type names. */
export type SocketEventType = SocketEvent["type"];

/** The payload of the event named `T`. */
export type PayloadOf<T extends SocketEventType> = Extract<SocketEvent, { type: T }>["payload"];

/** The envelope every server message uses: the event plus its sequence number and time. */
export type SocketEnvelope = SocketEvent & {
  /** Increases by one per event of this session; continues across client reconnects. */
  seq: number;
  /** ISO-8601 time the event was made. */
  ts: string;
};

/** Every client-to-server message. */
export type ClientMessage =
  | { type: "cell_execute"; payload: { cellId: string; mode?: RunMode } }
  | { type: "notebook_run_all"; payload: { mode?: RunMode } }
  | { type: "cell_cancel"; payload: Record<string, never> }
  | { type: "cell_source_update"; payload: { cellId: string; source: string } }
  | {
    type: "command";
    payload: { id?: string; command: string; input?: Record<string, unknown> };
  };

/** Client message type names. */
export type ClientMessageType = ClientMessage["type"];
