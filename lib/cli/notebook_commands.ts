/** Notebook commands: new, run, status, cell add|edit|rm|list, dag. Each works on a folder anywhere on disk. */
import { basename } from "node:path";
import { createNotebook } from "../notebook/format.ts";
import type { CellLanguage } from "../notebook/cell_files.ts";
import type { NotebookSession } from "../session/notebook_session.ts";
import { type ParsedArgs, UsageError } from "./_args.ts";
import type { CommandContext } from "./_context.ts";
import type { Command } from "./command.ts";
import { parseAssignment, setWidgetByName } from "../widgets/cli_set.ts"; // widgets (issue 16)
import { cellListText, dagDot, dagText, runReport, runSummaryText, statusText } from "./render.ts";
import { watchRun } from "./run_progress.ts";

const FORMAT = { type: "string", choices: ["text", "json"] } as const;

/** `strata new <dir> [--name N]`: creates an empty notebook folder. */
export const newCommand: Command = {
  name: "new",
  usage: "strata new <dir> [--name N]",
  summary: "create a notebook folder",
  positionals: ["dir"],
  options: { name: { type: "string" } },
  dirArg: 0,
  async run(args, ctx) {
    const dir = args.positionals[0];
    const nb = await createNotebook(dir, { name: str(args, "name") ?? basename(dir) });
    await audit(ctx, "notebook.create", dir);
    console.log(`created notebook '${nb.manifest.name}' in ${dir}`);
    return 0;
  },
};

/**
 * `strata run <dir>`: runs the notebook (or one cell and what it needs) headless. Each cell is
 * printed as it finishes (lib/cli/run_progress.ts); the last line sums the run up.
 */
export const runCommand: Command = {
  name: "run",
  usage: "strata run <dir> [--force] [--format text|json] [--quiet] [--cell ID] [--set NAME=VALUE]",
  summary: "run every cell (cache hits where valid); exit 1 if a cell failed",
  positionals: ["dir"],
  options: {
    force: { type: "boolean" },
    format: FORMAT,
    quiet: { type: "boolean" },
    cell: { type: "string" },
    set: { type: "string" }, // widgets (issue 16)
  },
  dirArg: 0,
  async run(args, ctx) {
    const session = await ctx.openNotebook(args.positionals[0]);
    const set = str(args, "set"); // widgets (issue 16): a widget value before the run
    if (set) await setWidgetByName(session, parseAssignment(set));
    const mode = args.values.force ? "force" : "normal";
    const cell = str(args, "cell");
    const json = args.values.format === "json";
    const names = new Map(session.state().cells.map((c) => [c.id, c.name]));
    const encoder = new TextEncoder();
    const progress = json ? undefined : watchRun(session.events, {
      write: (text) => writeAll(encoder.encode(text)),
      tty: Deno.stdout.isTerminal(),
      quiet: args.values.quiet === true,
      nameOf: (id) => names.get(id) ?? null,
    });
    // Ctrl-C cancels the run: its cells end as cancelled and their processes are killed.
    const cancel = () => session.cancel();
    Deno.addSignalListener("SIGINT", cancel);
    let summary;
    try {
      summary = cell ? await session.execute(cell, mode) : await session.runAll(mode);
    } finally {
      Deno.removeSignalListener("SIGINT", cancel);
    }
    const report = runReport(summary, session.state().cells);
    progress?.finish(report);
    console.log(json ? JSON.stringify(report) : runSummaryText(report));
    return report.ok ? 0 : 1;
  },
};

function writeAll(bytes: Uint8Array): void {
  for (let off = 0; off < bytes.length;) off += Deno.stdout.writeSync(bytes.subarray(off));
}

/** `strata status <dir>`: every cell's status and, for stale ones, why. */
export const statusCommand: Command = {
  name: "status",
  usage: "strata status <dir> [--format text|json]",
  summary: "cell statuses and why stale cells are stale",
  positionals: ["dir"],
  options: { format: FORMAT },
  dirArg: 0,
  async run(args, ctx) {
    const state = (await ctx.openNotebook(args.positionals[0])).state();
    if (args.values.format === "json") {
      console.log(JSON.stringify({
        notebook: state.notebook,
        cells: state.cells.map((c) => ({
          id: c.id,
          name: c.name,
          language: c.language,
          status: c.status,
          staleReason: c.staleReason,
          why: c.whyText,
          diagnostics: c.diagnostics,
        })),
      }));
    } else {
      console.log(statusText(state.notebook.name, args.positionals[0], state.cells));
    }
    return 0;
  },
};

/** `strata cell add <dir>`: appends a cell (or inserts it after --after); prints its id. */
export const cellAddCommand: Command = {
  name: "cell add",
  usage:
    "strata cell add <dir> [--after ID] [--language typescript|markdown|prompt] [--source S]  (or source on stdin)",
  summary: "add a cell; prints the new cell id",
  positionals: ["dir"],
  options: {
    after: { type: "string" },
    language: { type: "string", choices: ["typescript", "markdown", "prompt"] },
    source: { type: "string" },
  },
  dirArg: 0,
  async run(args, ctx) {
    const source = await cellSource(args, ctx);
    const session = await ctx.openNotebook(args.positionals[0]);
    const cellId = await session.addCell({
      source,
      language: str(args, "language") as CellLanguage | undefined,
      after: str(args, "after"),
    });
    await audit(ctx, "cell.add", args.positionals[0], { cellId });
    console.log(cellId);
    return 0;
  },
};

/** `strata cell edit <dir> <id>`: replaces a cell's source. */
export const cellEditCommand: Command = {
  name: "cell edit",
  usage: "strata cell edit <dir> <id> [--source S]  (or source on stdin)",
  summary: "replace a cell's source",
  positionals: ["dir", "id"],
  options: { source: { type: "string" } },
  dirArg: 0,
  async run(args, ctx) {
    const source = await cellSource(args, ctx);
    const [dir, cellId] = args.positionals;
    await (await ctx.openNotebook(dir)).editCell(cellId, source);
    await audit(ctx, "cell.edit", dir, { cellId });
    console.log(`edited ${cellId}`);
    return 0;
  },
};

/** `strata cell rm <dir> <id>`: deletes a cell. */
export const cellRmCommand: Command = {
  name: "cell rm",
  usage: "strata cell rm <dir> <id>",
  summary: "delete a cell",
  positionals: ["dir", "id"],
  options: {},
  dirArg: 0,
  async run(args, ctx) {
    const [dir, cellId] = args.positionals;
    await (await ctx.openNotebook(dir)).deleteCell(cellId);
    await audit(ctx, "cell.delete", dir, { cellId });
    console.log(`removed ${cellId}`);
    return 0;
  },
};

/** `strata cell list <dir>`: the cells in order. */
export const cellListCommand: Command = {
  name: "cell list",
  usage: "strata cell list <dir> [--format text|json]",
  summary: "list cells with their status",
  positionals: ["dir"],
  options: { format: FORMAT },
  dirArg: 0,
  async run(args, ctx) {
    const { cells } = (await ctx.openNotebook(args.positionals[0])).state();
    if (args.values.format === "json") {
      console.log(
        JSON.stringify(
          cells.map((c) => ({
            id: c.id,
            name: c.name,
            language: c.language,
            file: c.file,
            status: c.status,
            source: c.source,
          })),
        ),
      );
    } else if (cells.length > 0) {
      console.log(cellListText(cells));
    }
    return 0;
  },
};

/** `strata dag <dir>`: the dependency graph. */
export const dagCommand: Command = {
  name: "dag",
  usage: "strata dag <dir> [--format text|json|dot]",
  summary: "the cell dependency graph (dot: Graphviz)",
  positionals: ["dir"],
  options: { format: { type: "string", choices: ["text", "json", "dot"] } },
  dirArg: 0,
  async run(args, ctx) {
    const session: NotebookSession = await ctx.openNotebook(args.positionals[0]);
    const dag = session.dagView();
    const format = args.values.format ?? "text";
    if (format === "json") console.log(JSON.stringify(dag));
    else if (format === "dot") console.log(dagDot(dag, session.state().cells));
    else console.log(dagText(dag));
    return 0;
  },
};

/** The source from --source, else stdin (piped); a terminal with no --source is bad usage. */
async function cellSource(args: ParsedArgs, ctx: CommandContext): Promise<string> {
  const given = str(args, "source");
  if (given !== undefined) return given;
  if (Deno.stdin.isTerminal()) {
    throw new UsageError("give the cell source with --source or pipe it on stdin");
  }
  return await ctx.readStdin();
}

async function audit(
  ctx: CommandContext,
  action: string,
  dir: string,
  details: Record<string, unknown> = {},
): Promise<void> {
  const services = await ctx.services();
  await services.audit.record({
    tenantHash: (await ctx.tenant()).hash,
    actor: null,
    action,
    resource: `notebooks/${await ctx.notebookPath(dir)}`,
    details: { ...details, via: "cli" },
  });
}

function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === "string" ? v : undefined;
}
