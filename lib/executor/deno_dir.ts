/**
 * Where Deno caches what it makes of the cell modules (executor/deno_cache.ts removes it), as pure
 * path arithmetic: the launcher uses it for the server's permission grants, and its start-up graph
 * imports no `node:` module (lib/server/start_graph_test.ts).
 */

/** Joins path segments with "/" (no normalization beyond dropping empty segments' slashes). */
function join(...parts: string[]): string {
  return parts.filter((p) => p !== "").join("/").replace(/\/{2,}/g, "/");
}

/** `path` against `cwd` when relative, "." and ".." segments resolved. */
function resolve(cwd: string, path: string): string {
  const out: string[] = [];
  for (const seg of (path.startsWith("/") ? path : `${cwd}/${path}`).split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  return "/" + out.join("/");
}

/** Deno's cache databases that get a row per imported module (keyed by its URL, `specifier`). */
export const MODULE_ROW_TABLES = [
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
