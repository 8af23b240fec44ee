/**
 * Everything that needs the MCP SDK, in one module that loads on the first MCP request or
 * `strata mcp` (lib/optional_import.ts): a personal-mode start does not fetch the SDK.
 */
import process from "node:process";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import type { Caller, CommandTable, Dispatcher } from "../commands/mod.ts";
import { createMcpServer } from "./server.ts";

/** The version MCP clients see in `initialize`. */
const VERSION = "0.1.0";

/** A handler answering one streamable-HTTP MCP request for its caller (stateless). */
export function mcpHttpHandler(
  dispatcher: Dispatcher<CommandTable>,
): (request: Request, caller: Caller) => Promise<Response> {
  const validator = new AjvJsonSchemaValidator(); // one per app, not one per request
  return async function handleMcpRequest(request, caller) {
    const server = createMcpServer({
      dispatcher,
      caller,
      version: VERSION,
      jsonSchemaValidator: validator,
    });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
    });
    // The answer's stream ends (and its keep-alive timer stops) once the result is sent; the
    // server and transport are garbage once the response is done.
    await server.connect(transport);
    return await transport.handleRequest(request);
  };
}

/** Serves MCP on stdin/stdout for one caller until stdin closes. */
export async function serveMcpStdio(
  dispatcher: Dispatcher<CommandTable>,
  caller: Caller,
): Promise<void> {
  const server = createMcpServer({ dispatcher, caller, version: VERSION });
  const closed = new Promise<void>((resolve) => {
    server.onclose = resolve;
  });
  const transport = new StdioServerTransport();
  await server.connect(transport);
  const end = () => void transport.close();
  process.stdin.on("end", end);
  process.stdin.on("close", end);
  await closed;
}
