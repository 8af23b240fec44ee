/** Notebooks the benches build straight on disk (no session, no per-cell writes). */
import { createNotebook } from "../lib/notebook/format.ts";
import { serializeManifest } from "../lib/notebook/manifest.ts";
import { cellFileName, newCellId } from "../lib/notebook/cell_files.ts";

/** Cell `i` of the chain: `v<i>` from `v<i-1>`. */
export function chainSource(i: number): string {
  return i === 0 ? "const v0 = 1" : `const v${i} = v${i - 1} + ${i}`;
}

/** Writes a notebook of `n` chained cells to `dir`; returns the cell ids in order. */
export async function writeNotebook(dir: string, n: number): Promise<string[]> {
  await createNotebook(dir, { name: `bench-${n}` });
  const ids: string[] = [];
  const cells = [];
  for (let i = 0; i < n; i++) {
    const id = newCellId();
    ids.push(id);
    const file = cellFileName(id, `c${i}`, ".ts");
    await Deno.writeTextFile(`${dir}/${file}`, chainSource(i));
    cells.push({ id, file, language: "typescript" as const, order: i });
  }
  const now = new Date().toISOString();
  await Deno.writeTextFile(
    `${dir}/notebook.toml`,
    serializeManifest({
      notebook_id: crypto.randomUUID(),
      name: `bench-${n}`,
      created_at: now,
      updated_at: now,
      cells,
    }),
  );
  return ids;
}
