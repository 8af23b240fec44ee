/**
 * `strata import notebook.ipynb <dir>`: turns a TypeScript/JavaScript Jupyter notebook into a
 * notebook folder. The folder is built beside the target and renamed into place, so a malformed
 * file or a failure half way leaves nothing behind. Jupyter lets a later cell silently redefine
 * a name; Strata keeps both cells and reports each such name with the cells that define it.
 */
import { basename, dirname, extname, join, resolve } from "node:path";
import { ConflictError, NotFoundError } from "../errors.ts";
import { loadAnalyzer } from "../notebook/analyzer.ts";
import {
  cellExtension,
  cellFileName,
  cellSlug,
  isCellId,
  newCellId,
} from "../notebook/cell_files.ts";
import { type CellEntry, type Manifest, serializeManifest } from "../notebook/manifest.ts";
import { emptyRuntimeState, writeRuntimeState } from "../notebook/runtime_state.ts";
import { parseIpynb } from "./ipynb.ts";

/** A name defined by more than one imported code cell. */
export interface DuplicateDefinition {
  name: string;
  /** The defining cells: position in the .ipynb (1-based) and the new cell id. */
  cells: { index: number; id: string }[];
}

/** What importIpynb did. */
export interface ImportReport {
  dir: string;
  name: string;
  cells: { id: string; language: string; index: number }[];
  skipped: { index: number; reason: string }[];
  duplicates: DuplicateDefinition[];
}

/** Options for importIpynb. */
export interface ImportOptions {
  /** Notebook name. @default the notebook's own, else the file name without extension */
  name?: string;
  owner?: string;
  now?: Date;
}

/** Imports an .ipynb file into a new notebook folder `dir` (absent or empty). */
export async function importIpynb(
  file: string,
  dir: string,
  options: ImportOptions = {},
): Promise<ImportReport> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new NotFoundError(`Cannot import '${file}': no such file`);
    }
    throw err;
  }
  const parsed = parseIpynb(text, file);
  const target = resolve(dir);
  await assertFreeTarget(target);

  const ids = new Set<string>();
  const entries: (CellEntry & { source: string; index: number })[] = parsed.cells.map((c, i) => {
    let id = c.strataId && isCellId(c.strataId) && !ids.has(c.strataId) ? c.strataId : newCellId();
    while (ids.has(id)) id = newCellId();
    ids.add(id);
    const file = cellFileName(id, cellSlug(c.source, c.language), cellExtension(c.language));
    return { id, file, language: c.language, order: i + 1, source: c.source, index: c.index };
  });
  const at = (options.now ?? new Date()).toISOString();
  const name = options.name ?? parsed.name ?? basename(file, extname(file));
  const manifest: Manifest = {
    notebook_id: crypto.randomUUID(),
    name,
    owner: options.owner,
    created_at: at,
    updated_at: at,
    cells: entries.map(({ id, file, language, order }) => ({ id, file, language, order })),
  };

  await Deno.mkdir(dirname(target), { recursive: true });
  const tmp = join(dirname(target), `.${basename(target)}.import-${newCellId()}.tmp`);
  try {
    await Deno.mkdir(join(tmp, "cells"), { recursive: true });
    for (const e of entries) await Deno.writeTextFile(join(tmp, e.file), e.source);
    await writeRuntimeState(tmp, emptyRuntimeState());
    await Deno.writeTextFile(join(tmp, "notebook.toml"), serializeManifest(manifest));
    // rename(2) replaces an empty folder; a non-empty one (raced in since the check) fails.
    await Deno.rename(tmp, target);
  } catch (err) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    if (err instanceof Deno.errors.AlreadyExists || /not empty/i.test(String(err))) {
      throw new ConflictError(`Cannot import into '${target}': it is not empty`);
    }
    throw err;
  }
  return {
    dir: target,
    name,
    cells: entries.map((e) => ({ id: e.id, language: e.language, index: e.index })),
    skipped: parsed.skipped,
    duplicates: await duplicateDefinitions(entries),
  };
}

async function assertFreeTarget(target: string): Promise<void> {
  try {
    for await (const _ of Deno.readDir(target)) {
      throw new ConflictError(
        `Cannot import into '${target}': the folder is not empty (choose a new folder)`,
      );
    }
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return;
    if (err instanceof Deno.errors.NotADirectory) {
      throw new ConflictError(`Cannot import into '${target}': it is a file`);
    }
    throw err;
  }
}

/** Names declared (not just reassigned) by more than one code cell, in notebook order. */
async function duplicateDefinitions(
  cells: readonly { id: string; language: string; source: string; index: number }[],
): Promise<DuplicateDefinition[]> {
  const code = cells.filter((c) => c.language === "typescript");
  if (code.length < 2) return [];
  const analyzer = await loadAnalyzer();
  const byName = new Map<string, { index: number; id: string }[]>();
  for (const c of code) {
    const a = analyzer.analyze(c.source);
    const mutated = new Set(a.mutates);
    for (const name of a.defines) {
      if (mutated.has(name)) continue;
      const list = byName.get(name) ?? [];
      list.push({ index: c.index, id: c.id });
      byName.set(name, list);
    }
  }
  return [...byName].filter(([, list]) => list.length > 1).map(([name, list]) => ({
    name,
    cells: list,
  }));
}

/** One line per duplicate: "'x' is defined in cell 2 (a1b2c3d4) and cell 5 (e5f6a7b8)". */
export function duplicateText(d: DuplicateDefinition): string {
  const where = d.cells.map((c) => `cell ${c.index} (${c.id})`);
  const list = where.length === 2
    ? where.join(" and ")
    : `${where.slice(0, -1).join(", ")} and ${where.at(-1)}`;
  return `'${d.name}' is defined in ${list}; Jupyter would silently overwrite it, Strata keeps ` +
    `both and each later cell reads the nearest definition above it`;
}
