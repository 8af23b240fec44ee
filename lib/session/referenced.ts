/** Provenances still in use: the last runs recorded in notebooks' `.strata/runtime.json`. */
import { join } from "node:path";
import { readRuntimeState } from "../notebook/runtime_state.ts";
import { discoverNotebooks } from "./discover.ts";

/** Provenance hashes of the last runs recorded by the notebooks under the notebook root (and tenants/). */
export async function referencedProvenances(notebookStorageDir: string): Promise<Set<string>> {
  const roots = [notebookStorageDir];
  try {
    for await (const e of Deno.readDir(join(notebookStorageDir, "tenants"))) {
      if (e.isDirectory) roots.push(join(notebookStorageDir, "tenants", e.name));
    }
  } catch { /* no tenant folders */ }
  const used = new Set<string>();
  for (const root of roots) {
    for (const nb of await discoverNotebooks(root, { limit: 100_000 })) {
      const { state } = await readRuntimeState(join(root, nb.path));
      for (const cell of Object.values(state.cells)) if (cell.provenance) used.add(cell.provenance);
    }
  }
  return used;
}
