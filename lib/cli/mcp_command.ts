/**
 * `strata mcp`: the MCP server over stdio, for agents that start their tools as subprocesses
 * (Claude Desktop, Cursor). Personal mode only: the local user is the caller, with every scope,
 * on the same data directory, database and cache as `strata serve`. Every tool call is a command
 * of the one dispatcher (surface "mcp"), so it is audited like the same call over HTTP.
 * stdout carries the protocol; logs go to stderr.
 */
import { ALL_SCOPES } from "../auth/scopes.ts";
import { buildCommandDeps, COMMANDS, createDispatcher } from "../commands/mod.ts";
import { importOptional } from "../optional_import.ts";
import type { Command } from "./command.ts";

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
    const mcp = await importOptional<typeof import("../mcp/entry.ts")>("strata:mcp");
    await mcp.serveMcpStdio(dispatcher, {
      identity: { principal: null, scopes: new Set([ALL_SCOPES]), source: "personal" },
      tenant: await ctx.tenant(),
      log: ctx.log.child({ component: "mcp" }),
      surface: "mcp",
    });
    return 0;
  },
};
