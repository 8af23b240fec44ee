/**
 * Table outputs paged by the server (issue 16): `output.table_page` answers one page of a cell's
 * table display (filtered and sorted over the whole stored value), `output.table_download` the
 * whole table as CSV or JSON.
 */
import { z } from "zod";
import { NotFoundError } from "../errors.ts";
import { MAX_PAGE_ROWS, tableFile, tablePage, type TableRef } from "../runtime/table_pages.ts";
import type { NotebookSession } from "../session/notebook_session.ts";
import type { CommandContext } from "./command.ts";
import { defineCommand } from "./command.ts";
import { cellId, sessionTarget, sid } from "./_targets.ts";

const display = z.number().int().min(0).max(10_000);

function refOf(s: NotebookSession, input: { cellId: string; display: number }): TableRef {
  const prov = s.model.provenance.get(input.cellId);
  if (!prov) throw new NotFoundError(`No cell '${input.cellId}' in this notebook`);
  return {
    tenantHash: s.scope.tenantHash,
    provenance: prov.provenance,
    cellId: input.cellId,
    display: input.display,
  };
}

const stores = (ctx: CommandContext) => ({ db: ctx.deps.db, blobs: ctx.deps.blobs });

/** `output.table_page {sid, cellId, display, offset, limit, sort?, filter?}`: one page. */
export const outputTablePage = defineCommand({
  name: "output.table_page",
  description: "One page of a cell's table output, filtered and sorted over all its rows",
  scope: "notebook:read",
  input: z.object({
    sid,
    cellId,
    display,
    offset: z.number().int().min(0).default(0),
    limit: z.number().int().min(1).max(MAX_PAGE_ROWS).default(50),
    sort: z.object({ col: z.number().int().min(0), dir: z.union([z.literal(1), z.literal(-1)]) })
      .optional(),
    filter: z.string().max(1000).optional(),
  }),
  qos: null,
  audit: null,
  resolve: (input, ctx) => sessionTarget(input.sid, ctx),
  run: (s: NotebookSession, input, ctx) =>
    tablePage(stores(ctx), refOf(s, input), {
      offset: input.offset,
      limit: input.limit,
      sort: input.sort,
      filter: input.filter,
    }),
});

/** `output.table_download {sid, cellId, display, format}`: the whole table as one file. */
export const outputTableDownload = defineCommand({
  name: "output.table_download",
  description: "A cell's whole table output as CSV or JSON",
  scope: "notebook:read",
  input: z.object({ sid, cellId, display, format: z.enum(["csv", "json"]).default("csv") }),
  qos: null,
  audit: null,
  resolve: (input, ctx) => sessionTarget(input.sid, ctx),
  async run(s: NotebookSession, input, ctx) {
    const body = await tableFile(stores(ctx), refOf(s, input), input.format);
    return {
      filename: `${input.cellId}-table.${input.format}`,
      contentType: input.format === "csv" ? "text/csv; charset=utf-8" : "application/json",
      body,
    };
  },
});
