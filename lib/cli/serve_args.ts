/**
 * `strata serve [<dir>]`: a folder argument becomes the notebook root (personal mode), so a
 * notebook made with `strata new ./demo` can be opened in the browser with `strata serve ./demo`
 * (or its parent folder, to see every notebook in it). It travels as STRATA_NOTEBOOK_STORAGE_DIR,
 * the one setting the config loader already reads, so the launcher grants the server that folder.
 */
import { readConfig } from "../config/read.ts";
import { absoluteDir } from "./_context.ts";

/** The server's environment and remaining arguments, or why the arguments cannot be used. */
export type ServeTarget =
  | { ok: true; env: Record<string, string | undefined>; args: string[]; root?: string }
  | { ok: false; error: string };

/** Reads the optional folder argument of `strata serve`. */
export function serveTarget(env: Record<string, string | undefined>, args: string[]): ServeTarget {
  const dirs = args.filter((a) => !a.startsWith("-"));
  if (dirs.length === 0) return { ok: true, env, args };
  if (dirs.length > 1) {
    return {
      ok: false,
      error: `strata serve takes at most one folder; got ${dirs.map((d) => `'${d}'`).join(", ")}`,
    };
  }
  const root = absoluteDir(env, dirs[0]);
  let isDir = false;
  try {
    isDir = Deno.statSync(root).isDirectory;
  } catch { /* missing: reported below */ }
  if (!isDir) {
    return { ok: false, error: `strata serve: '${dirs[0]}' is not a folder (looked at ${root})` };
  }
  if (root === "/") {
    // The server gets read and write on its root: never the whole file system.
    return { ok: false, error: "strata serve: refusing to serve '/' as the notebook root" };
  }
  const served = { ...env, STRATA_NOTEBOOK_STORAGE_DIR: root };
  try {
    const mode = readConfig(served).config.deploymentMode;
    if (mode !== "personal") {
      return {
        ok: false,
        error:
          `strata serve <dir> serves one folder in personal mode; this configuration is in ${mode} mode (set notebook_storage_dir instead)`,
      };
    }
  } catch { /* a bad config is reported by the server start, with every problem listed */ }
  return { ok: true, env: served, args: args.filter((a) => a !== dirs[0]), root };
}
