/**
 * WS /v1/notebooks/ws/:sid — live session events. Every message is an envelope
 * {type, seq, ts, payload}. On connect the client gets `notebook_state` at the current seq, so a
 * reconnecting client is caught up; seq is per session and continues across reconnects.
 * Client → server: cell_execute {cellId, mode?}, cell_cancel, notebook_run_all, cell_source_update {cellId, source}.
 */
import { Hono } from "hono";
import { upgradeWebSocket } from "hono/deno";
import { hasScope } from "../lib/auth/scopes.ts";
import type { AppEnv } from "../lib/http/context.ts";
import type { NotebookSession } from "../lib/session/notebook_session.ts";
import type { RunMode } from "../lib/runtime/run_engine.ts";
import type { ApiDeps } from "./api/deps.ts";
import { authorize } from "./api/_helpers.ts";

/** The WebSocket route, mounted at /v1/notebooks/ws. */
export function wsRoutes(deps: ApiDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get(
    "/:sid",
    async (c, next) => {
      // Authorize before upgrading: an unknown session or missing scope is a plain HTTP error.
      const s = deps.sessions.get(c.var.tenant, c.req.param("sid"));
      authorize(deps, c, "notebook:read", `notebooks/${s.scope.path}`);
      await next();
    },
    upgradeWebSocket((c) => {
      const session = deps.sessions.get(c.var.tenant, c.req.param("sid")!);
      const scopes = c.var.identity.scopes;
      const principal = c.var.identity.principal;
      const log = c.var.log;
      let unsubscribe: (() => void) | undefined;
      return {
        onOpen(_event, ws) {
          unsubscribe = session.events.subscribe((e) => ws.send(JSON.stringify(e)));
          ws.send(
            JSON.stringify({
              type: "notebook_state",
              seq: session.events.seq,
              ts: new Date().toISOString(),
              payload: session.state({ restored: true }),
            }),
          );
        },
        onMessage(event, ws) {
          let msg: { type?: string; payload?: Record<string, unknown> };
          try {
            msg = JSON.parse(String(event.data));
          } catch {
            return sendError(ws, session, "Message must be JSON {type, payload}");
          }
          handle(session, msg, { scopes, principal }).catch((err) => {
            log.warn("websocket command failed", { type: msg.type, error: err });
            sendError(ws, session, (err as Error).message);
          });
        },
        onClose() {
          unsubscribe?.();
        },
      };
    }),
  );
  return app;
}

async function handle(
  session: NotebookSession,
  msg: { type?: string; payload?: Record<string, unknown> },
  who: { scopes: ReadonlySet<string>; principal: string | null },
): Promise<void> {
  const p = msg.payload ?? {};
  const need = (scope: string) => {
    if (!hasScope(who.scopes, scope)) throw new Error(`Missing scope '${scope}'`);
  };
  switch (msg.type) {
    case "cell_execute":
      need("notebook:execute");
      await session.execute(String(p.cellId), (p.mode as RunMode) ?? "normal", who.principal);
      return;
    case "notebook_run_all":
      need("notebook:execute");
      await session.runAll((p.mode as RunMode) ?? "normal", who.principal);
      return;
    case "cell_cancel":
      need("notebook:execute");
      session.cancel();
      return;
    case "cell_source_update":
      need("notebook:write");
      if (typeof p.source !== "string") throw new Error("cell_source_update needs a string source");
      await session.editCell(String(p.cellId), p.source);
      return;
    default:
      throw new Error(`Unknown message type '${msg.type}'`);
  }
}

function sendError(
  ws: { send(data: string): void },
  session: NotebookSession,
  message: string,
): void {
  ws.send(
    JSON.stringify({
      type: "error",
      seq: session.events.seq,
      ts: new Date().toISOString(),
      payload: { message },
    }),
  );
}
