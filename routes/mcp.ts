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
import type { ApiDeps } from "./api/deps.ts";

// Issue 20: the MCP SDK (with ajv, ≈10–15 MiB and ≈0.3 s) loads on the first MCP request,
// not at server start.
async function loadMcp() {
  const [transport, ajv, server] = await Promise.all([
    import("@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js"),
    import("@modelcontextprotocol/sdk/validation/ajv"),
    import("../lib/mcp/server.ts"),
  ]);
  return {
    Transport: transport.WebStandardStreamableHTTPServerTransport,
    validator: new ajv.AjvJsonSchemaValidator(), // one per app, not one per request
    createMcpServer: server.createMcpServer,
  };
}

/** The version MCP clients see in `initialize`. */
const VERSION = "0.1.0";

/** The MCP route, mounted at /mcp. */
export function mcpRoutes(deps: ApiDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  let mcp: ReturnType<typeof loadMcp> | undefined;
  app.post("/", async (c) => {
    const { Transport, validator, createMcpServer } = await (mcp ??= loadMcp());
    const server = createMcpServer({
      dispatcher: deps.dispatcher,
      caller: callerOf(c, "mcp"),
      version: VERSION,
      jsonSchemaValidator: validator,
    });
    const transport = new Transport({
      sessionIdGenerator: undefined,
    });
    // The answer's stream ends (and its keep-alive timer stops) once the result is sent; the
    // server and transport are garbage once the response is done.
    await server.connect(transport);
    return await transport.handleRequest(c.req.raw);
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
