/**
 * WS /v1/notebooks/ws/:sid — live session events. Every message is an envelope
 * {type, seq, ts, payload}. On connect the client gets `notebook_state` at the current seq, so a
 * reconnecting client is caught up; seq is per session and continues across reconnects.
 *
 * Client → server messages are decoded into commands and go through the same dispatcher as the
 * HTTP API (scope, ACL, QoS, audit): cell_execute {cellId, mode?} → cell.execute,
 * notebook_run_all {mode?} → notebook.run_all, cell_cancel → notebook.cancel,
 * cell_source_update {cellId, source} → cell.edit. A refused or failed message answers an
 * `error` event with the same code the HTTP API would use (`not_found`, `forbidden`, ...).
 */
import { Hono } from "hono";
import { upgradeWebSocket } from "hono/deno";
import type { AppEnv } from "../lib/http/context.ts";
import { callerOf } from "../lib/http/caller.ts";
import { statusFor } from "../lib/http/errors.ts";
import { StrataError } from "../lib/errors.ts";
import type { NotebookSession } from "../lib/session/notebook_session.ts";
import type { ApiDeps } from "./api/deps.ts";

/** Socket message types and the command each one is. */
const MESSAGES: Record<string, string> = {
  cell_execute: "cell.execute",
  notebook_run_all: "notebook.run_all",
  cell_cancel: "notebook.cancel",
  cell_source_update: "cell.edit",
};

/** The WebSocket route, mounted at /v1/notebooks/ws. */
export function wsRoutes(deps: ApiDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { dispatch } = deps.dispatcher;
  app.get(
    "/:sid",
    async (c, next) => {
      // Opening the socket is reading the notebook: an unknown session, a missing scope or an
      // ACL denial is a plain HTTP error before upgrading.
      await dispatch("notebook.state", { sid: c.req.param("sid") }, callerOf(c, "ws"));
      await next();
    },
    upgradeWebSocket((c) => {
      const sid = c.req.param("sid")!;
      const closed = new AbortController();
      // The socket outlives the upgrade request, so its caller carries the socket's own signal.
      const caller = { ...callerOf(c, "ws"), signal: closed.signal };
      let session: NotebookSession | undefined;
      let unsubscribe: (() => void) | undefined;
      return {
        async onOpen(_event, ws) {
          try {
            session = await dispatch<NotebookSession>("notebook.state", { sid }, caller);
          } catch (err) {
            sendError(ws, 0, err);
            ws.close(1008, "not allowed");
            return;
          }
          const s = session;
          unsubscribe = s.events.subscribe((e) => ws.send(JSON.stringify(e)));
          ws.send(JSON.stringify({
            type: "notebook_state",
            seq: s.events.seq,
            ts: new Date().toISOString(),
            payload: s.state({ restored: true }),
          }));
        },
        onMessage(event, ws) {
          const seq = () => session?.events.seq ?? 0;
          let msg: { type?: unknown; payload?: unknown };
          try {
            msg = JSON.parse(String(event.data));
          } catch {
            return sendError(ws, seq(), new MessageError("Message must be JSON {type, payload}"));
          }
          const command = typeof msg.type === "string" ? MESSAGES[msg.type] : undefined;
          if (!command) {
            return sendError(ws, seq(), new MessageError(`Unknown message type '${msg.type}'`));
          }
          const payload = msg.payload && typeof msg.payload === "object" ? msg.payload : {};
          dispatch(command, { ...payload, sid }, caller).catch((err) => {
            caller.log.warn("websocket command failed", { type: msg.type, error: err });
            sendError(ws, seq(), err);
          });
        },
        onClose() {
          closed.abort();
          unsubscribe?.();
        },
      };
    }),
  );
  return app;
}

/** A malformed socket message (the socket's 400). */
class MessageError extends StrataError {
  constructor(message: string) {
    super("invalid_request", message);
  }
}

/** An `error` event with the code and status the HTTP API would answer for the same error. */
function sendError(ws: { send(data: string): void }, seq: number, err: unknown): void {
  const status = statusFor(err);
  const known = status !== undefined && err instanceof StrataError;
  ws.send(JSON.stringify({
    type: "error",
    seq,
    ts: new Date().toISOString(),
    payload: {
      code: known ? err.code : "internal",
      status: status ?? 500,
      message: known ? err.message : "Internal server error; see the server log",
    },
  }));
}
