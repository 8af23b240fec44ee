/**
 * WS /v1/notebooks/ws/:sid — live session events. Every message is an envelope
 * {type, seq, ts, payload}. On connect the client gets `notebook_state` at the current seq, so a
 * reconnecting client is caught up; seq is per session and continues across reconnects.
 *
 * Client → server messages are decoded into commands and go through the same dispatcher as the
 * HTTP API (scope, ACL, QoS, audit):
 * - `cell_execute {cellId, mode?}` → cell.execute, `notebook_run_all {mode?}` → notebook.run_all,
 *   `cell_cancel` → notebook.cancel, `cell_source_update {cellId, source}` → cell.edit;
 * - `command {id?, command, input}` → any JSON command of the table; the answer is a
 *   `command_result {id, result}` event.
 * A refused or failed message answers an `error` event {id?, code, status, message} with the
 * code and status the HTTP API would use for the same error (`not_found` 404, `forbidden` 403…).
 */
import { Hono } from "hono";
import { upgradeWebSocket } from "hono/deno";
import type { AppEnv } from "../lib/http/context.ts";
import { callerOf } from "../lib/http/caller.ts";
import { statusFor } from "../lib/http/errors.ts";
import { ConflictError, StrataError } from "../lib/errors.ts";
import type { CommandTable } from "../lib/commands/mod.ts";
import type { ApiDeps } from "./api/deps.ts";
import type { ErrorPayload, PayloadOf, SocketEventType } from "../lib/protocol/socket_events.ts";

/** Socket message types that name one command each. */
const MESSAGES: Record<string, keyof CommandTable> = {
  cell_execute: "cell.execute",
  notebook_run_all: "notebook.run_all",
  cell_cancel: "notebook.cancel",
  cell_source_update: "cell.edit",
};

/** The WebSocket route, mounted at /v1/notebooks/ws. */
export function wsRoutes(deps: ApiDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { dispatch, commands } = deps.dispatcher;
  app.get(
    "/:sid",
    async (c, next) => {
      // Opening the socket is reading the notebook: an unknown session, a missing scope or an
      // ACL denial is a plain HTTP error before upgrading.
      await dispatch("notebook.watch", { sid: c.req.param("sid") }, callerOf(c, "ws"));
      await next();
    },
    upgradeWebSocket((c) => {
      const sid = c.req.param("sid")!;
      const closed = new AbortController();
      // The socket outlives the upgrade request, so its caller carries the socket's own signal.
      const caller = { ...callerOf(c, "ws"), signal: closed.signal };
      let seq = 0;
      let unsubscribe: (() => void) | undefined;
      // Typed protocol (lib/protocol/socket_events.ts): each event type with its payload.
      const send = <T extends SocketEventType>(
        ws: { send(data: string): void },
        type: T,
        payload: PayloadOf<T>,
      ) => ws.send(JSON.stringify({ type, seq, ts: new Date().toISOString(), payload }));
      return {
        async onOpen(_event, ws) {
          try {
            const watch = await dispatch("notebook.watch", { sid }, caller);
            unsubscribe = watch.events.subscribe((e) => {
              seq = e.seq;
              ws.send(JSON.stringify(e));
            });
            seq = watch.events.seq;
            send(ws, "notebook_state", watch.state());
          } catch (err) {
            send(ws, "error", errorPayload(err));
            ws.close(1008, "not allowed");
          }
        },
        onMessage(event, ws) {
          let msg: { type?: unknown; payload?: unknown };
          try {
            msg = JSON.parse(String(event.data));
          } catch {
            return send(ws, "error", errorPayload(bad("Message must be JSON {type, payload}")));
          }
          const payload =
            (msg.payload && typeof msg.payload === "object" ? msg.payload : {}) as Record<
              string,
              unknown
            >;
          const id = typeof payload.id === "string" ? payload.id : undefined;
          let name: string | undefined;
          let input: Record<string, unknown> = payload;
          if (msg.type === "command") {
            name = typeof payload.command === "string" ? payload.command : undefined;
            input = payload.input && typeof payload.input === "object"
              ? payload.input as Record<string, unknown>
              : {};
            if (!name || !commands.has(name) || commands.get(name)!.answer === "stream") {
              return send(ws, "error", { id, ...errorPayload(bad(`Unknown command '${name}'`)) });
            }
          } else {
            name = typeof msg.type === "string" ? MESSAGES[msg.type] : undefined;
            if (!name) {
              return send(ws, "error", errorPayload(bad(`Unknown message type '${msg.type}'`)));
            }
          }
          dispatch(name as keyof CommandTable, { ...input, sid }, caller).then(
            (result) => {
              if (msg.type === "command") send(ws, "command_result", { id, result });
            },
            (err) => {
              caller.log.warn("websocket command failed", { command: name, error: err });
              send(ws, "error", { id, ...errorPayload(err) });
            },
          );
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

function bad(message: string): StrataError {
  return new StrataError("invalid_request", message);
}

/** The code and status the HTTP API would answer for the same error. */
function errorPayload(err: unknown): ErrorPayload {
  const status = statusFor(err);
  if (status !== undefined && err instanceof StrataError) {
    // Issue 14 item 7: a refused edit carries the cell's current source and version.
    const details = err instanceof ConflictError ? err.details : undefined;
    return { code: err.code, status, message: err.message, ...(details ? { details } : {}) };
  }
  return { code: "internal", status: 500, message: "Internal server error; see the server log" };
}
