/** Notebooks the benches build straight on disk (no session, no per-cell writes). */
import { createNotebook } from "../lib/notebook/format.ts";
import { serializeManifest } from "../lib/notebook/manifest.ts";
import { cellFileName, newCellId } from "../lib/notebook/cell_files.ts";

/** Cell `i` of the chain: `v<i>` from `v<i-1>`. */
export function chainSource(i: number): string {
  return i === 0 ? "const v0 = 1" : `const v${i} = v${i - 1} + ${i}`;
}

/** Writes a notebook of `n` cells (chained, or `source(i)`) to `dir`; returns the cell ids in order. */
export async function writeNotebook(
  dir: string,
  n: number,
  source: (i: number) => string = chainSource,
): Promise<string[]> {
  await createNotebook(dir, { name: `bench-${n}` });
  const ids: string[] = [];
  const cells = [];
  for (let i = 0; i < n; i++) {
    const id = newCellId();
    ids.push(id);
    const file = cellFileName(id, `c${i}`, ".ts");
    await Deno.writeTextFile(`${dir}/${file}`, source(i));
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

/** An HTTP API call, as `tests/_server.ts`'s `api` makes it. */
// deno-lint-ignore no-explicit-any
type Api = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

/**
 * The session-memory steps on notebooks `rss<k>` (written by writeNotebook, `ids[k]` their cells):
 * `open(k)` opens one and runs it; `edit(k)` edits its cell 50 and asks for a completion, which
 * builds its type service.
 */
export function sessionSteps(api: Api, ids: string[][]) {
  const sids: string[] = [];
  return {
    sids,
    async open(k: number): Promise<void> {
      const o = await api("POST", "/v1/notebooks/open", { path: `rss${k}` });
      if (o.status !== 200 && o.status !== 201) throw new Error(`open: ${o.status}`);
      sids[k] = o.body.sessionId;
      const r = await api("POST", `/v1/notebooks/${o.body.sessionId}/run-all`);
      if (r.status !== 200) throw new Error(`run-all: ${r.status}`);
    },
    async edit(k: number): Promise<void> {
      const cell = `/v1/notebooks/${sids[k]}/cells/${ids[k][50]}`;
      const r = await api("PUT", cell, { source: "const v50 = v49 + 50 // edited" });
      if (r.status !== 200) throw new Error(`edit: ${r.status}`);
      const c = await api("POST", `${cell}/complete`, { source: "v49.to", offset: 6 });
      if (!c.body.items?.some((i: { label: string }) => i.label === "toFixed")) {
        throw new Error(`complete: ${JSON.stringify(c.body)}`);
      }
    },
  };
}
