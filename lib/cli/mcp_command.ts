/**
 * `strata mcp`: the MCP server over stdio, for agents that start their tools as subprocesses
 * (Claude Desktop, Cursor). Personal mode only: the local user is the caller, with every scope,
 * on the same data directory, database and cache as `strata serve`. Every tool call is a command
 * of the one dispatcher (surface "mcp"), so it is audited like the same call over HTTP.
 * stdout carries the protocol; logs go to stderr.
 */
import process from "node:process";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { ALL_SCOPES } from "../auth/scopes.ts";
import { buildCommandDeps, COMMANDS, createDispatcher } from "../commands/mod.ts";
import { createMcpServer } from "../mcp/server.ts";
import type { Command } from "./command.ts";

/** The version MCP clients see in `initialize`. */
const VERSION = "0.1.0";

/** `strata mcp`: serves MCP on stdin/stdout until stdin closes. */
export const mcpCommand: Command = {
  name: "mcp",
  usage: "strata mcp",
  summary: "serve the MCP tools over stdio for a local agent (personal mode)",
  positionals: [],
  options: {},
  async run(_args, ctx) {
    if (ctx.config.deploymentMode !== "personal") {
      console.error(
        "strata mcp: stdio MCP is for personal mode; in service mode agents use POST /mcp " +
          "through the authenticating proxy",
      );
      return 2;
    }
    const services = await ctx.services();
    const dispatcher = createDispatcher(
      buildCommandDeps({ config: ctx.config, services }),
      COMMANDS,
    );
    const server = createMcpServer({
      dispatcher,
      caller: {
        identity: { principal: null, scopes: new Set([ALL_SCOPES]), source: "personal" },
        tenant: await ctx.tenant(),
        log: ctx.log.child({ component: "mcp" }),
        surface: "mcp",
      },
      version: VERSION,
    });
    const closed = new Promise<void>((resolve) => {
      server.onclose = resolve;
    });
    const transport = new StdioServerTransport();
    await server.connect(transport);
    const end = () => void transport.close();
    process.stdin.on("end", end);
    process.stdin.on("close", end);
    await closed;
    return 0;
  },
};
