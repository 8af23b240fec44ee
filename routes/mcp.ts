/**
 * POST /mcp — the MCP server over streamable HTTP, stateless: each request gets its own server
 * and transport, bound to the caller the middleware identified for that request (personal
 * user, or the trusted proxy's principal, scopes and tenant). Mounted inside the API, it sits
 * behind the same drive-by guard, identity, tenancy and rate limit; every tool call is a command
 * of the one dispatcher, so scope, ACL, QoS and audit are the API's. Answers are SSE streams, so
 * a long run sends progress notifications before its result.
 *
 * Stateless means no server-initiated stream: GET and DELETE answer 405, as the spec allows.
 */
import { Hono } from "hono";
import type { AppEnv } from "../lib/http/context.ts";
import { callerOf } from "../lib/http/caller.ts";
import { importOptional } from "../lib/optional_import.ts";
import type { ApiDeps } from "./api/deps.ts";

/** The MCP route, mounted at /mcp. */
export function mcpRoutes(deps: ApiDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // The MCP SDK loads on the first MCP request, not at start (lib/optional_import.ts).
  let handler:
    | Promise<(request: Request, caller: ReturnType<typeof callerOf>) => Promise<Response>>
    | undefined;
  app.post("/", async (c) => {
    handler ??= importOptional<typeof import("../lib/mcp/entry.ts")>("strata:mcp").then((m) =>
      m.mcpHttpHandler(deps.dispatcher)
    );
    return await (await handler)(c.req.raw, callerOf(c, "mcp"));
  });
  const notAllowed = () =>
    new Response(
      JSON.stringify({
        jsonrpc: "2.0",
        error: { code: -32000, message: "Method not allowed: this MCP server is stateless" },
        id: null,
      }),
      { status: 405, headers: { "content-type": "application/json", allow: "POST" } },
    );
  app.get("/", notAllowed);
  app.delete("/", notAllowed);
  return app;
}
