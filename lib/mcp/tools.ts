/**
 * The MCP tools: each one decodes its arguments into one command of the table and shapes the
 * answer for an agent. Nothing here checks access: every call goes through the dispatcher with
 * the caller the surface built (scope, ACL, QoS and audit happen there, as for HTTP).
 */
import { z } from "zod";
import type { Caller, CommandTable, Dispatcher, OutputOf } from "../commands/mod.ts";
import { NotFoundError, ValidationError } from "../errors.ts";
import type { NotebookState } from "../protocol/notebook_state.ts";
import {
  type Content,
  DEFAULT_BUDGET,
  outputContent,
  summarizeCell,
  summarizeNotebook,
} from "./content.ts";
import { followRun, type ProgressSink } from "./progress.ts";

/** What a tool call runs with. */
export interface ToolContext {
  /** Dispatches a command as this call's caller. */
  dispatch<K extends keyof CommandTable & string>(
    name: K,
    input: unknown,
  ): Promise<OutputOf<CommandTable[K]>>;
  /** Present when the client asked for progress notifications. */
  progress?: ProgressSink;
}

/** The answer of a tool call (MCP `CallToolResult`). */
export interface ToolResult {
  content: Content[];
  isError?: boolean;
  [key: string]: unknown;
}

/** A JSON schema of a tool's arguments (always an object). */
export interface ToolInputSchema {
  type: "object";
  properties?: Record<string, unknown>;
  required?: string[];
  [key: string]: unknown;
}

/** One tool: its name, the command it decodes into, and how it shapes the answer. */
export interface ToolSpec {
  name: string;
  /** One line, shown to the agent. */
  description: string;
  /** The command whose input schema the tool's arguments follow. */
  command: keyof CommandTable & string;
  /** Arguments the tool adds to the command's (output shaping, never access). */
  extra?: z.ZodObject;
  readOnly: boolean;
  call(args: Record<string, unknown>, t: ToolContext): Promise<ToolResult>;
}

const budget = z.number().int().min(1_000).max(1_000_000).optional()
  .describe(`Characters for all summarized outputs together (default ${DEFAULT_BUDGET})`);

const budgetArgs = z.object({ budget });
const outputArgs = z.object({
  cellId: z.string().min(1).max(128).describe("The cell whose outputs to read"),
  rowLimit: z.number().int().min(1).max(10_000).default(100)
    .describe("Table rows returned per table (default 100)"),
  maxChars: z.number().int().min(100).max(1_000_000).default(50_000)
    .describe("Characters per text output (default 50000)"),
});

function json(value: unknown): ToolResult {
  return { content: [{ type: "text", text: JSON.stringify(value, null, 2) }] };
}

/** Validates a tool's own arguments with the dispatcher's message shape ("Invalid <field>: ..."). */
function extraArgs<T extends z.ZodObject>(schema: T, args: Record<string, unknown>): z.output<T> {
  const parsed = schema.safeParse(args);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ValidationError(`Invalid ${issue.path.join(".") || "arguments"}: ${issue.message}`);
  }
  return parsed.data;
}

function brief(s: NotebookState) {
  return s.cells.map((c) => ({ id: c.id, name: c.name, status: c.status, whyStale: c.whyText }));
}

function cellOf(s: NotebookState, cellId: unknown) {
  const cell = s.cells.find((c) => c.id === cellId);
  if (!cell) {
    throw new NotFoundError(`Cell '${String(cellId)}' not found in notebook '${s.notebook.path}'`);
  }
  return cell;
}

async function runTool(
  name: "cell.execute" | "notebook.run_all",
  args: Record<string, unknown>,
  t: ToolContext,
): Promise<ToolResult> {
  const { budget: chars } = extraArgs(budgetArgs, args);
  const stop = t.progress ? await watch(args.sid, t) : undefined;
  try {
    const { run, state } = await t.dispatch(name, args);
    const ran = new Set(run.cells.map((c) => c.cellId));
    const cells = state.cells.filter((c) => ran.has(c.id));
    const per = Math.max(200, Math.floor((chars ?? DEFAULT_BUDGET) / Math.max(1, cells.length)));
    return json({
      ok: run.ok,
      ran: run.cells.map((r) => ({
        ...r,
        cell: summarizeCell(cells.find((c) => c.id === r.cellId)!, per),
      })),
    });
  } finally {
    stop?.();
  }
}

/** Subscribes to the session's events for progress; a refusal only means no progress. */
async function watch(sid: unknown, t: ToolContext): Promise<(() => void) | undefined> {
  try {
    const w = await t.dispatch("notebook.watch", { sid });
    return followRun(w.events, t.progress!);
  } catch {
    return undefined; // the run itself will answer the same refusal
  }
}

/** Every tool, in the order tools/list shows them. */
export const TOOLS: readonly ToolSpec[] = [
  {
    name: "list_notebooks",
    description:
      "List the notebooks under the notebook root (path, name, cell count); personal mode",
    command: "notebook.discover",
    readOnly: true,
    call: async (args, t) => json({ notebooks: await t.dispatch("notebook.discover", args) }),
  },
  {
    name: "create_notebook",
    description: "Create a notebook folder and open it; answers its session id (sid) and cells",
    command: "notebook.create",
    readOnly: false,
    call: async (args, t) => json(summarizeNotebook(await t.dispatch("notebook.create", args))),
  },
  {
    name: "open_notebook",
    description: "Open a notebook by its path; answers its session id (sid), cells and outputs",
    command: "notebook.open",
    readOnly: true,
    call: async (args, t) => json(summarizeNotebook(await t.dispatch("notebook.open", args))),
  },
  {
    name: "get_notebook",
    description:
      "An open notebook's cells: names, status, why stale, and outputs summarized to a budget",
    command: "notebook.state",
    extra: budgetArgs,
    readOnly: true,
    async call(args, t) {
      const { budget: b } = extraArgs(budgetArgs, args);
      return json(summarizeNotebook(await t.dispatch("notebook.state", args), b));
    },
  },
  {
    name: "add_cell",
    description: "Add a TypeScript (or markdown) cell after another (omit after: last); not run",
    command: "cell.add",
    readOnly: false,
    async call(args, t) {
      const { cellId, state } = await t.dispatch("cell.add", args);
      return json({
        cellId,
        cell: summarizeCell(cellOf(state, cellId), 2_000),
        cells: brief(state),
      });
    },
  },
  {
    name: "edit_cell",
    description: "Replace a cell's source; answers the cell and which cells are now stale and why",
    command: "cell.edit",
    readOnly: false,
    async call(args, t) {
      const state = await t.dispatch("cell.edit", args);
      return json({ cell: summarizeCell(cellOf(state, args.cellId), 2_000), cells: brief(state) });
    },
  },
  {
    name: "delete_cell",
    description: "Delete a cell and its outputs",
    command: "cell.delete",
    readOnly: false,
    async call(args, t) {
      const state = await t.dispatch("cell.delete", args);
      return json({ deleted: args.cellId, cells: brief(state) });
    },
  },
  {
    name: "run_cell",
    description:
      "Run a cell and the stale cells it needs (cache hits where valid); reports progress",
    command: "cell.execute",
    extra: budgetArgs,
    readOnly: false,
    call: (args, t) => runTool("cell.execute", args, t),
  },
  {
    name: "run_all",
    description: "Run every code cell of a notebook (cache hits where valid); reports progress",
    command: "notebook.run_all",
    extra: budgetArgs,
    readOnly: false,
    call: (args, t) => runTool("notebook.run_all", args, t),
  },
  {
    name: "get_output",
    description:
      "A cell's full outputs: text, tables as JSON rows (rowLimit), images, console, error",
    command: "notebook.state",
    extra: outputArgs,
    readOnly: true,
    async call(args, t) {
      const opts = extraArgs(outputArgs, args);
      const state = await t.dispatch("notebook.state", args);
      return { content: outputContent(cellOf(state, opts.cellId), opts) };
    },
  },
  {
    name: "get_dag",
    description: "The notebook's dependency graph: code cells in run order and edges with names",
    command: "notebook.dag",
    readOnly: true,
    call: async (args, t) => json(await t.dispatch("notebook.dag", args)),
  },
  {
    name: "plan",
    description:
      "What a run would execute, without running: cells in order, cache hit or run, and why",
    command: "notebook.plan",
    readOnly: true,
    call: async (args, t) => json(await t.dispatch("notebook.plan", args)),
  },
  {
    name: "generate_cell",
    description:
      "Write a TypeScript cell from a request in words (AI); inserted, not run, no grants",
    command: "ai.generate_cell",
    readOnly: false,
    async call(args, t) {
      const out = await t.dispatch("ai.generate_cell", args);
      return json({
        cellId: out.cellId,
        grantsRemoved: out.grantsRemoved,
        model: out.model,
        cell: summarizeCell(cellOf(out.state, out.cellId), 4_000),
        cells: brief(out.state),
      });
    },
  },
];

/** Tools by name. */
export const TOOLS_BY_NAME: ReadonlyMap<string, ToolSpec> = new Map(TOOLS.map((t) => [t.name, t]));

/** A tool's argument schema: the command's input schema (zod → JSON schema) plus its extras. */
export function toolInputSchema(
  tool: ToolSpec,
  dispatcher: Pick<Dispatcher, "commands">,
): ToolInputSchema {
  const command = dispatcher.commands.get(tool.command);
  if (!command) throw new TypeError(`Tool '${tool.name}' names unknown command '${tool.command}'`);
  const base = jsonSchema(command.input);
  if (!tool.extra) return base;
  const more = jsonSchema(tool.extra);
  const required = [...new Set([...(base.required ?? []), ...(more.required ?? [])])];
  return {
    ...base,
    properties: { ...base.properties, ...more.properties },
    ...(required.length ? { required } : {}),
  };
}

function jsonSchema(schema: z.ZodType): ToolInputSchema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, {
    io: "input",
    unrepresentable: "any",
  }) as ToolInputSchema;
  return { ...rest, type: "object" };
}

/** The dispatching half of a tool context, bound to one caller. */
export function bindDispatcher(
  dispatcher: Dispatcher<CommandTable>,
  caller: Caller,
): ToolContext["dispatch"] {
  return (name, input) => dispatcher.dispatch(name, input, caller);
}
