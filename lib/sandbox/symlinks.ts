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
 *
 * A directory's listing (its links and subfolders) is reused while its stat is unchanged (see
 * listDir); every link is resolved again on each call, since where a link leads can change outside
 * the folder. A folder over MAX_ENTRIES is walked afresh, so the cut-off is exactly the old one.
 *
 * This runs before every cell run, so its file system calls are synchronous (issue 20): each is a
 * metadata read of a small local folder (microseconds), while an async call hands off to Deno's
 * blocking thread pool, measured in the server at 0.5 ms median and 7 ms p90 of *synchronous*
 * time per call under load (docs/performance.md, "Fourth session"). Only the walk of a folder
 * over MAX_ENTRIES stays asynchronous.
 */
// deno-lint-ignore require-await
export async function findSymlinkEscapes(notebookDir: string): Promise<SymlinkEscape[]> {
  const root = Deno.realPathSync(notebookDir);
  const out: SymlinkEscape[] = [];
  const stack = [root];
  let seen = 0;
  while (stack.length > 0) {
    const dir = stack.pop()!;
    const listing = listDir(dir);
    if (!listing) continue;
    seen += listing.count;
    if (seen > MAX_ENTRIES) return walk(root);
    for (const name of listing.links) {
      const p = join(dir, name);
      let target: string | null;
      try {
        target = resolveLink(p);
      } catch (err) {
        if (!(err instanceof Deno.errors.NotFound)) throw err;
        target = null; // removed since it was listed
      }
      if (target !== null && !isWithin(target, root)) {
        out.push({ path: relative(root, p), target });
      }
    }
    for (const name of listing.dirs) stack.push(join(dir, name));
  }
  return sortByPath(out);
}

/** The uncached walk, entry by entry (for folders over MAX_ENTRIES). */
async function walk(root: string): Promise<SymlinkEscape[]> {
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
          const target = resolveLink(p);
          if (!isWithin(target, root)) out.push({ path: relative(root, p), target });
        } else if (e.isDirectory) stack.push(p);
      }
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
  }
  return sortByPath(out);
}

function sortByPath(out: SymlinkEscape[]): SymlinkEscape[] {
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** What a walk needs of one directory: its entry count, its links and its subfolders. */
interface Listing {
  stamp: string;
  count: number;
  links: string[];
  dirs: string[];
}

/** Directories remembered at most (least recently used dropped first). */
const MAX_CACHED_DIRS = 4096;
/**
 * How old a directory's mtime and ctime must be, against the clock read before its stat, for its
 * listing to be kept. File timestamps come from a coarse clock (a kernel tick; a second on some file
 * systems), so an entry added in the same tick as the stat would leave the stamp unchanged; a
 * listing read within this margin of its last change is used once and read again next time.
 */
const RACY_MS = 2000;
const listings = new Map<string, Listing>();

/**
 * A directory's listing: the remembered one while the directory's device, inode, mtime and ctime
 * are unchanged (adding, removing or renaming an entry, including re-pointing a link, which is a
 * new entry, changes the mtime), else read again. Null when the directory is gone.
 */
function listDir(dir: string): Listing | null {
  const before = Date.now();
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(dir);
  } catch (err) {
    listings.delete(dir);
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
  const mtime = info.mtime?.getTime();
  const stamp = `${info.dev}:${info.ino}:${mtime}:${info.ctime?.getTime()}`;
  const cached = listings.get(dir);
  if (cached) {
    listings.delete(dir); // re-inserted below: least recently used first
    if (cached.stamp === stamp) {
      listings.set(dir, cached);
      return cached;
    }
  }
  const listing: Listing = { stamp, count: 0, links: [], dirs: [] };
  try {
    for (const e of Deno.readDirSync(dir)) {
      listing.count++;
      if (e.isSymlink) listing.links.push(e.name);
      else if (e.isDirectory) listing.dirs.push(e.name);
    }
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
  // ctime too: a process can set a folder's mtime back (utime) but not its ctime (which Deno
  // reports to the second: the margin covers that).
  const ctime = info.ctime?.getTime();
  if (mtime !== undefined && ctime !== undefined && before - Math.max(mtime, ctime) > RACY_MS) {
    if (listings.size >= MAX_CACHED_DIRS) listings.delete(listings.keys().next().value!);
    listings.set(dir, listing);
  }
  return listing;
}

function resolveLink(p: string): string {
  try {
    return Deno.realPathSync(p);
  } catch {
    const link = Deno.readLinkSync(p);
    return link.startsWith("/") ? link : join(p, "..", link);
  }
}
