/**
 * `notebook.variables {sid}` (issue 16): the names each code cell defines, with type, size and a
 * preview from the cell's last stored run, and the bytes stored for names other cells read.
 */
import { z } from "zod";
import { lookupArtifacts } from "../artifacts/artifact_index.ts";
import { decodeValue } from "../executor/codecs.ts";
import { VARIABLES_VALUE, type VariableSummary } from "../executor/_variables.ts";
import { lookupCell } from "../runtime/cell_cache.ts";
import type { NotebookSession } from "../session/notebook_session.ts";
import { defineCommand } from "./command.ts";
import { sessionTarget, sid } from "./_targets.ts";

/** One row of the variables panel. */
export interface VariableRow extends Partial<Omit<VariableSummary, "name">> {
  cellId: string;
  name: string;
  /** Bytes stored for this name (only names another cell reads are stored). */
  storedBytes?: number;
  /** False when the cell has no stored run yet (type, size and preview are then absent). */
  known: boolean;
}

/** Lists the notebook's variables by defining cell, in the notebook's order. */
export const notebookVariables = defineCommand({
  name: "notebook.variables",
  description: "Names each cell defines, with type, size and a preview, linked to the cell",
  scope: "notebook:read",
  input: z.object({ sid }),
  qos: null,
  audit: null,
  resolve: (input, ctx) => sessionTarget(input.sid, ctx),
  async run(s: NotebookSession, _input, ctx): Promise<VariableRow[]> {
    const stores = { db: ctx.deps.db, blobs: ctx.deps.blobs };
    const rows: VariableRow[] = [];
    for (const cell of s.notebook.cells) {
      const prov = s.model.provenance.get(cell.id);
      if (!prov) continue; // markdown and prompt cells define nothing here
      const defines = s.model.byId.get(cell.id)?.analysis?.defines ?? [];
      const found = await lookupArtifacts(ctx.deps.db, s.scope.tenantHash, prov.provenance);
      const sizes = new Map(found.hit ? found.artifacts.map((a) => [a.variable, a.size]) : []);
      let summaries: VariableSummary[] = [];
      if (sizes.has(VARIABLES_VALUE)) {
        const got = await lookupCell(
          stores,
          s.scope.tenantHash,
          prov.provenance,
          [VARIABLES_VALUE],
          Date.now(),
        );
        const v = got.hit ? got.values.get(VARIABLES_VALUE) : undefined;
        if (v) summaries = decodeValue(v) as VariableSummary[];
      }
      const byName = new Map(summaries.map((x) => [x.name, x]));
      for (const name of defines) {
        const x = byName.get(name);
        rows.push({
          cellId: cell.id,
          name,
          known: x !== undefined,
          type: x?.type,
          size: x?.size,
          preview: x?.preview,
          storedBytes: sizes.get(name),
        });
      }
    }
    return rows;
  },
});
