/** Console logs under `<notebook>/.strata/console/`: the retention job deletes old ones. */
import { join } from "node:path";

/** Deletes console log files older than `olderThan` in every notebook under `root`; returns the count. */
export async function deleteOldConsoleLogs(
  root: string,
  olderThan: Date,
  maxDepth = 6,
): Promise<number> {
  let deleted = 0;
  async function walk(dir: string, depth: number): Promise<void> {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(dir));
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory) continue;
      const path = join(dir, e.name);
      if (e.name === ".strata") {
        deleted += await sweep(join(path, "console"), olderThan);
      } else if (depth < maxDepth && e.name !== "cells" && e.name !== "node_modules") {
        await walk(path, depth + 1);
      }
    }
  }
  await walk(root, 0);
  return deleted;
}

async function sweep(dir: string, olderThan: Date): Promise<number> {
  let n = 0;
  try {
    for await (const e of Deno.readDir(dir)) {
      if (!e.isFile || !e.name.endsWith(".json")) continue;
      const p = join(dir, e.name);
      const st = await Deno.stat(p);
      if (st.mtime && st.mtime < olderThan) {
        await Deno.remove(p);
        n++;
      }
    }
  } catch { /* no console folder */ }
  return n;
}
