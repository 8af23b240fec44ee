/**
 * The `strata` command line. Each command is parsed here (bad usage exits 2 before anything is
 * opened), then re-run under the permissions its config needs plus the notebook folder it names,
 * and finally runs against the same services as the server: same database, blobs and cache.
 */
import { relaunchCommand } from "../launcher/launch.ts";
import { workerCli } from "../worker/cli.ts";
import { parseCommandArgs, type ParsedArgs, UsageError } from "./_args.ts";
import { absoluteDir, commandContext, loadCliConfig } from "./_context.ts";
import type { Command } from "./command.ts";
import {
  cellAddCommand,
  cellEditCommand,
  cellListCommand,
  cellRmCommand,
  dagCommand,
  newCommand,
  runCommand,
  statusCommand,
} from "./notebook_commands.ts";
import { auditVerify, gc, jobsRun, migrateCommand } from "./ops_commands.ts";
import { mcpCommand } from "./mcp_command.ts"; // issue 18
import { exportCommand, importCommand, planCommand, verifyCommand } from "./export_commands.ts"; // export helper
import { resolveFileArgs } from "./_file_args.ts"; // export helper
import { serveTarget } from "./serve_args.ts";
import { approveCommand } from "./sandbox_commands.ts";

/** What the CLI needs from main.ts. */
export interface CliDeps {
  env: Record<string, string | undefined>;
  serve: (env: Record<string, string | undefined>, args: string[]) => Promise<number>;
  /** The entry module re-run under scoped permissions. @default Deno.mainModule */
  mainModule?: string;
}

/** Every command besides serve, worker and help, in the order `strata help` lists them. */
export const COMMANDS: readonly Command[] = [
  newCommand,
  runCommand,
  statusCommand,
  approveCommand,
  cellAddCommand,
  cellEditCommand,
  cellRmCommand,
  cellListCommand,
  dagCommand,
  mcpCommand, // issue 18
  exportCommand,
  importCommand,
  planCommand,
  verifyCommand,
  auditVerify,
  gc,
  migrateCommand,
  jobsRun,
];

/** The text of `strata help`. */
export const USAGE = `Usage: strata <command> [options]

Commands:
  strata serve [<dir>]         start the server (personal mode by default, http://127.0.0.1:8765)
      <dir>: serve that folder as the notebook root (else notebook_storage_dir)
${COMMANDS.map((c) => `  ${c.usage}\n      ${c.summary}`).join("\n")}
  strata worker [options]      run cells for remote servers (strata worker --help)
  strata help                  show this help

<dir> is a notebook folder anywhere on disk, absolute or relative to the current folder.
Exit codes: 0 ok, 1 failed (a cell, a check, a job), 2 bad usage or configuration.
`;

/** Runs the CLI; resolves to the process exit code (0 ok, 1 failure, 2 bad usage). */
export async function runCli(args: string[], deps: CliDeps): Promise<number> {
  const [first, ...rest] = args;
  switch (first) {
    case "serve": {
      const target = serveTarget(deps.env, rest);
      if (!target.ok) {
        console.error(target.error);
        return 2;
      }
      return await deps.serve(target.env, target.args);
    }
    case "worker":
      return await workerCli(rest, {
        env: deps.env,
        mainModule: deps.mainModule ?? Deno.mainModule,
        commandArgs: ["worker"],
      });
    case undefined:
    case "help":
    case "--help":
    case "-h":
      console.log(USAGE);
      return first === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === first) ??
    COMMANDS.find((c) => c.name === `${first} ${rest[0]}`);
  if (!command) {
    const group = COMMANDS.filter((c) => c.name.startsWith(`${first} `));
    if (group.length > 0) {
      const what = rest[0] === undefined
        ? "needs a sub-command"
        : `has no sub-command '${rest[0]}'`;
      console.error(
        `strata ${first} ${what}\nUsage:\n${group.map((c) => `  ${c.usage}`).join("\n")}`,
      );
    } else {
      console.error(`strata: unknown command '${first}' (see strata help)`);
    }
    return 2;
  }
  const words = command.name.split(" ").length;
  const commandArgs = args.slice(words);
  if (commandArgs.includes("--help") || commandArgs.includes("-h")) {
    console.log(`Usage: ${command.usage}\n  ${command.summary}`);
    return 0;
  }
  try {
    const parsed = parseCommandArgs(commandArgs, command);
    const config = loadCliConfig(deps.env);
    if (!config) return 2;
    const dir = command.dirArg === undefined
      ? undefined
      : absoluteDir(deps.env, parsed.positionals[command.dirArg]);
    if (dir !== undefined) parsed.positionals[command.dirArg!] = dir;
    const files = resolveFileArgs(deps.env, command, parsed, commandArgs); // export helper
    if (deps.env.STRATA_IN_PROCESS !== "1") {
      return await relaunchCommand({
        config,
        mainModule: deps.mainModule ?? Deno.mainModule,
        args: [...args.slice(0, words), ...withDir(files.args, parsed, command, dir)],
        env: deps.env,
        dirs: [...(dir === undefined ? [] : [dir]), ...files.dirs],
        run: command.runs?.when(parsed) ? command.runs.programs : [],
      });
    }
    const ctx = commandContext(config, deps.env);
    try {
      return await command.run(parsed, ctx);
    } finally {
      await ctx.close();
    }
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`strata ${command.name}: ${err.message}\nUsage: ${command.usage}`);
      return 2;
    }
    // Expected failures (missing notebook, unknown cell, permission denied...) print one line.
    console.error(`strata ${command.name}: ${(err as Error)?.message ?? String(err)}`);
    return 1;
  }
}

/** The command's arguments with the folder argument replaced by its absolute path. */
function withDir(
  commandArgs: string[],
  parsed: ParsedArgs,
  command: Command,
  dir: string | undefined,
): string[] {
  if (dir === undefined || command.dirArg === undefined) return commandArgs;
  const out = [...commandArgs];
  out[parsed.positionalIndex[command.dirArg]] = dir;
  return out;
}
