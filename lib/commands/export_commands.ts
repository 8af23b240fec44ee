/** `notebook.export {sid, format, code?}`: the notebook as one HTML report, .ipynb or script. */
import { z } from "zod";
import { EXPORT_FORMATS, exportNotebook } from "../export/export.ts";
import type { NotebookSession } from "../session/notebook_session.ts";
import { defineCommand } from "./command.ts";
import { sessionTarget, sid } from "./_targets.ts";

/** Exports an open notebook; the answer is the file's text, type and suggested name. */
export const notebookExport = defineCommand({
  name: "notebook.export",
  description:
    "Export the notebook as a self-contained HTML report with receipts, a Jupyter notebook or a script",
  scope: "notebook:read",
  input: z.object({
    sid,
    format: z.enum(EXPORT_FORMATS).default("html"),
    code: z.boolean().default(true),
  }),
  qos: null,
  audit: "notebook.export",
  resolve: (input, ctx) => sessionTarget(input.sid, ctx),
  run: (s: NotebookSession, input, ctx) =>
    // No notebookDir: a script exported by the server names no server folder.
    exportNotebook(s, { db: ctx.deps.db, denoVersion: Deno.version.deno }, {
      format: input.format,
      code: input.code,
    }),
  auditWith: (_s, input) => ({ details: { format: input.format, code: input.code } }),
});
