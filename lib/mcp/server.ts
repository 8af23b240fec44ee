/**
 * The MCP server: tools, resources and progress over the official SDK's low-level `Server`,
 * bound to one caller. A surface builds one per caller: the HTTP route one per request (the
 * caller its middleware identified), `strata mcp` one for the stdio session (the personal user).
 * Tool arguments reach the dispatcher unvalidated, so a bad argument gets the API's message.
 *
 * @example
 * ```ts
 * const server = createMcpServer({ dispatcher, caller, version: "0.1.0" });
 * await server.connect(new StdioServerTransport());
 * ```
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import type { jsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/types.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type {
  CallToolRequest,
  ReadResourceRequest,
  ServerNotification,
  ServerRequest,
} from "@modelcontextprotocol/sdk/types.js";
import {
  CallToolRequestSchema,
  ErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { Caller, CommandTable, Dispatcher } from "../commands/mod.ts";
import { StrataError } from "../errors.ts";
import { listResources, readResource, RESOURCE_TEMPLATES } from "./resources.ts";
import {
  bindDispatcher,
  type ToolContext,
  toolInputSchema,
  type ToolResult,
  TOOLS,
  TOOLS_BY_NAME,
} from "./tools.ts";

/** Options of {@link createMcpServer}. */
export interface McpServerOptions {
  dispatcher: Dispatcher<CommandTable>;
  /** Who every call of this server is made as; its surface should be "mcp". */
  caller: Caller;
  version: string;
  /**
   * Validates elicitation answers (the SDK's default builds an Ajv instance per server); a
   * surface that builds a server per request passes one shared validator.
   */
  jsonSchemaValidator?: jsonSchemaValidator;
}

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

const INSTRUCTIONS = "Strata is a reactive TypeScript notebook server. Open or create a notebook " +
  "to get its session id (sid), add cells (top-level names a cell defines are visible to later " +
  "cells), run them, and read outputs with get_output. Results are cached by provenance: use " +
  "plan to see what a run would execute, and get_notebook to see which cells are stale and why.";

/** Builds an MCP server whose every tool call is a command dispatched as `caller`. */
export function createMcpServer(options: McpServerOptions): Server {
  const { dispatcher, caller } = options;
  const server = new Server(
    { name: "strata", version: options.version },
    {
      capabilities: { tools: {}, resources: {} },
      instructions: INSTRUCTIONS,
      jsonSchemaValidator: options.jsonSchemaValidator,
    },
  );
  const context = (signal: AbortSignal): ToolContext => ({
    dispatch: bindDispatcher(dispatcher, {
      ...caller,
      signal: caller.signal ? AbortSignal.any([caller.signal, signal]) : signal,
    }),
  });

  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: TOOLS.map((t) => ({
      name: t.name,
      description: t.description,
      inputSchema: toolInputSchema(t, dispatcher),
      annotations: { readOnlyHint: t.readOnly, openWorldHint: false },
    })),
  }));

  server.setRequestHandler(
    CallToolRequestSchema,
    async (req: CallToolRequest, extra: Extra): Promise<ToolResult> => {
      const tool = TOOLS_BY_NAME.get(req.params.name);
      if (!tool) {
        throw new McpError(ErrorCode.InvalidParams, `Unknown tool '${req.params.name}'`);
      }
      const t = context(extra.signal);
      const token = req.params._meta?.progressToken;
      if (token !== undefined) {
        t.progress = (p) => {
          extra.sendNotification({
            method: "notifications/progress",
            params: { progressToken: token, ...p },
          }).catch(() => {/* the client went away; the run goes on */});
        };
      }
      try {
        return await tool.call(req.params.arguments ?? {}, t);
      } catch (err) {
        return toolError(err, caller, tool.name);
      }
    },
  );

  server.setRequestHandler(ListResourcesRequestSchema, async (_req: unknown, extra: Extra) => ({
    resources: await listResources(context(extra.signal)),
  }));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({
    resourceTemplates: [...RESOURCE_TEMPLATES],
  }));
  server.setRequestHandler(
    ReadResourceRequestSchema,
    async (req: ReadResourceRequest, extra: Extra) => {
      try {
        return { contents: await readResource(req.params.uri, context(extra.signal)) };
      } catch (err) {
        if (err instanceof StrataError) throw new McpError(ErrorCode.InvalidParams, err.message);
        caller.log.error("mcp resource read failed", { uri: req.params.uri, error: err });
        throw new McpError(ErrorCode.InternalError, INTERNAL);
      }
    },
  );
  return server;
}

const INTERNAL = "Internal server error; see the server log";

/**
 * A refused or failed call as an MCP tool error: the message the HTTP API would give, and its
 * code; anything unexpected is logged and answered without internals.
 */
export function toolError(err: unknown, caller: Caller, tool: string): ToolResult {
  if (err instanceof StrataError) {
    return {
      isError: true,
      content: [{ type: "text", text: err.message }],
      structuredContent: { error: { code: err.code, message: err.message } },
    };
  }
  caller.log.error("mcp tool failed", { tool, error: err, stack: (err as Error)?.stack });
  return {
    isError: true,
    content: [{ type: "text", text: INTERNAL }],
    structuredContent: { error: { code: "internal", message: INTERNAL } },
  };
}
