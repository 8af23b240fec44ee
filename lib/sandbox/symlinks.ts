/**
 * Symlinks inside a notebook folder that resolve outside it. Deno checks read permissions on the
 * path a cell names, not on where a link points, so such a link would let a cell read outside its
 * folder without a grant: each one becomes a read the sandbox must allow (refused in service mode
 * unless policy covers the target; approved once in personal mode).
 */
import { join, relative } from "node:path";
import { isWithin } from "./grants.ts";

/** A link (path relative to the notebook folder) and its resolved target (absolute). */
export interface SymlinkEscape {
  path: string;
  target: string;
}

/** Entries visited at most; a folder larger than this is reported as one escape at its root. */
export const MAX_ENTRIES = 50_000;
/** The `path` of the escape reported for a folder too large to check. */
export const TOO_MANY = `. (more than ${MAX_ENTRIES} entries, not checked for symlinks)`;

/**
 * Walks `notebookDir` (without following links) and returns the links that resolve outside it,
 * sorted by path. A dangling link is reported with its lexical target (it could be created later).
 */
export async function findSymlinkEscapes(notebookDir: string): Promise<SymlinkEscape[]> {
  const root = await Deno.realPath(notebookDir);
  const out: SymlinkEscape[] = [];
  const stack = [root];
  let seen = 0;
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let entries: AsyncIterable<Deno.DirEntry>;
    try {
      entries = Deno.readDir(dir);
      for await (const e of entries) {
        if (++seen > MAX_ENTRIES) {
          out.push({ path: TOO_MANY, target: "/" });
          return out;
        }
        const p = join(dir, e.name);
        if (e.isSymlink) {
          const target = await resolveLink(p);
          if (!isWithin(target, root)) out.push({ path: relative(root, p), target });
        } else if (e.isDirectory) stack.push(p);
      }
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function resolveLink(p: string): Promise<string> {
  try {
    return await Deno.realPath(p);
  } catch {
    const link = await Deno.readLink(p);
    return link.startsWith("/") ? link : join(p, "..", link);
  }
}
