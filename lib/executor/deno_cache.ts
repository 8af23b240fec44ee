/**
 * What Deno caches about cell modules, and how the executor takes it back. Every cell module is a
 * new file (`<scratch root>/child-…/cell_N.ts`, and `warm.ts` per child), so Deno 2.9 leaves per
 * child an emit file per module under `$DENO_DIR/gen/file/<scratch folder>/` and a row per module
 * in two of its cache databases (V8 code cache, dependency analysis), keyed by the module's URL
 * and never read again. The paths stay unique (never shared between notebooks: Deno trusts a 64-bit
 * non-cryptographic source hash for these caches); what they leave is removed instead.
 */

import { DatabaseSync } from "node:sqlite";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** Deno's cache databases that get a row per imported module (keyed by its URL, `specifier`). */
const MODULE_ROW_TABLES = [
  { file: "v8_code_cache_v2", table: "codecache" },
  { file: "dep_analysis_cache_v2", table: "moduleinfocache" },
] as const;

/** The prefix of every scratch folder's name (WarmPool). */
export const SCRATCH_PREFIX = "child-";

/**
 * The DENO_DIR a child started with `env` in `cwd` uses, resolved as Deno 2.9 does
 * (`resolve_deno_dir`): DENO_DIR, else XDG_CACHE_HOME/deno, else the OS cache folder under HOME;
 * relative paths against the working folder. Undefined when none of them is set (Deno would then
 * take the home folder from the user database, which depends on the user the child runs as).
 */
export function childDenoDir(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  { os = Deno.build.os }: { os?: typeof Deno.build.os } = {},
): string | undefined {
  const { DENO_DIR, XDG_CACHE_HOME, HOME } = env;
  const cache = os === "darwin" ? "Library/Caches" : ".cache";
  const root = DENO_DIR || (XDG_CACHE_HOME && join(XDG_CACHE_HOME, "deno")) ||
    (HOME && os !== "windows" && join(HOME, cache, "deno"));
  return root ? resolve(cwd, root) : undefined;
}

/** Where Deno writes the transpiled modules of a folder (`<DENO_DIR>/gen/file/<folder>`). */
export function emitDir(denoDir: string, folder: string): string {
  return join(denoDir, "gen", "file", folder);
}

/**
 * What the server must be allowed to do for the cleanup: read DENO_DIR (real paths, the databases)
 * and write the emit folder of the scratch root and the two databases.
 */
export function denoCacheGrants(
  denoDir: string,
  scratchRoot: string,
): { read: string[]; write: string[] } {
  const dbs = MODULE_ROW_TABLES.map((t) => join(denoDir, t.file));
  return { read: [denoDir], write: [emitDir(denoDir, scratchRoot), ...dbs] };
}

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
