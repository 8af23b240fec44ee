/**
 * What Deno caches about cell modules, and how the executor takes it back. Every cell module is a
 * new file (`<scratch root>/child-…/cell_N.ts`, or `cell_N.js` for a cell with no TypeScript syntax,
 * and `warm.ts` per child), so Deno 2.9 leaves per child an emit file per `.ts` module under
 * `$DENO_DIR/gen/file/<scratch folder>/` and a row per module
 * in two of its cache databases (V8 code cache, dependency analysis), keyed by the module's URL
 * and never read again. The paths stay unique (never shared between notebooks: Deno trusts a 64-bit
 * non-cryptographic source hash for these caches); what they leave is removed instead.
 */

import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { emitDir, MODULE_ROW_TABLES, SCRATCH_PREFIX } from "./deno_dir.ts";

export { childDenoDir, denoCacheGrants, emitDir, SCRATCH_PREFIX } from "./deno_dir.ts";

/**
 * Deletes the rows Deno's cache databases hold for modules under `scratchRoot`'s scratch folders,
 * and returns how many. Safe while children run: each such module is imported once, so no row is
 * ever read again. A database is opened only if it and its WAL files exist, so the server (maybe
 * root, with children running as another user) never creates a file there that a child could then
 * not open. Never throws.
 */
export function pruneModuleRows(denoDir: string, scratchRoot: string): number {
  const from = pathToFileURL(join(scratchRoot, SCRATCH_PREFIX)).href;
  // The URLs that start with `from`: "-" + 1 is ".", so [".../child-", ".../child.") is the range.
  const to = from.slice(0, -1) + String.fromCharCode(from.charCodeAt(from.length - 1) + 1);
  let removed = 0;
  for (const { file, table } of MODULE_ROW_TABLES) {
    const path = join(denoDir, file);
    if (![path, `${path}-wal`, `${path}-shm`].every(isFile)) continue;
    let db: DatabaseSync | undefined;
    try {
      db = new DatabaseSync(path);
      db.exec("PRAGMA busy_timeout = 100");
      const r = db.prepare(`DELETE FROM ${table} WHERE specifier >= ? AND specifier < ?`)
        .run(from, to);
      removed += Number(r.changes);
    } catch { /* busy, another schema, or no permission: the next prune tries again */ }
    try {
      db?.close();
    } catch { /* already closed */ }
  }
  return removed;
}

/**
 * Removes the emit folders of the scratch folders under `scratchRoot` whose child is gone (not
 * `isLive`): those of children that ran, and those a server that stopped without closing its
 * executor left. Nothing is removed through a symbolic link inside DENO_DIR (the server may be
 * root, and DENO_DIR writable by the cells' user). Never throws.
 */
export async function removeEmits(
  denoDir: string,
  scratchRoot: string,
  { isLive = () => false }: { isLive?: (scratchDir: string) => boolean } = {},
): Promise<void> {
  try {
    const root = emitDir(denoDir, scratchRoot);
    if ((await Deno.realPath(root)) !== emitDir(await Deno.realPath(denoDir), scratchRoot)) return;
    for await (const e of Deno.readDir(root)) {
      if (!e.isDirectory || !e.name.startsWith(SCRATCH_PREFIX)) continue;
      if (isLive(join(scratchRoot, e.name))) continue;
      await Deno.remove(join(root, e.name), { recursive: true }).catch(() => {});
    }
  } catch { /* not there, or not ours to read */ }
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}
