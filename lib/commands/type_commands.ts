/**
 * Type-aware editing commands (issue 15): completions, hover text and go-to-definition from the
 * session's language service (lib/langservice/). Reads: scope notebook:read and the notebook's
 * ACL; the unsaved `source` a caller sends is type-checked in memory, never stored or run.
 */
import { z } from "zod";
import { MAX_CELL_SOURCE } from "../notebook/cell_files.ts";
import type { NotebookSession } from "../session/notebook_session.ts";
import { defineCommand } from "./command.ts";
import { cellId, sessionTarget, sid } from "./_targets.ts";

const position = z.object({
  sid,
  cellId,
  /** The editor's current text; default: the saved source. */
  source: z.string().max(MAX_CELL_SOURCE).optional(),
  /** 0-based character offset into the source. */
  offset: z.number().int().min(0),
});

/** `cell.complete {sid, cellId, source?, offset}`: `{items:[{label, kind, detail?}], from}`. */
export const cellComplete = defineCommand({
  name: "cell.complete",
  description: "Completions at an offset of a cell's source (default: the saved source)",
  scope: "notebook:read",
  input: position,
  qos: null,
  audit: null,
  resolve: (input, ctx) => sessionTarget(input.sid, ctx),
  run: (s: NotebookSession, input) => s.complete(input.cellId, input),
});

/** `cell.hover {sid, cellId, source?, offset}`: `{text}` (null where there is nothing). */
export const cellHover = defineCommand({
  name: "cell.hover",
  description: "The type and documentation of the name at an offset of a cell's source",
  scope: "notebook:read",
  input: position,
  qos: null,
  audit: null,
  resolve: (input, ctx) => sessionTarget(input.sid, ctx),
  run: (s: NotebookSession, input) => s.hover(input.cellId, input),
});

/** `cell.definition {sid, cellId, source?, offset}`: `{definition: {cellId, line, column} | null}`. */
export const cellDefinition = defineCommand({
  name: "cell.definition",
  description: "The cell and line declaring the name at an offset of a cell's source",
  scope: "notebook:read",
  input: position,
  qos: null,
  audit: null,
  resolve: (input, ctx) => sessionTarget(input.sid, ctx),
  run: async (s: NotebookSession, input) => ({
    definition: await s.definition(input.cellId, input),
  }),
});
