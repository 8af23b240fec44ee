/** Finds notebooks under a root: folders holding a readable notebook.toml, a few levels deep. */
import { join, relative } from "node:path";
import { parseManifest } from "../notebook/manifest.ts";

/** One discovered notebook. */
export interface DiscoveredNotebook {
  name: string;
  path: string;
  owner: string | null;
  notebookId: string;
  updatedAt: string;
  cells: number;
}

/** Options for discoverNotebooks. */
export interface DiscoverOptions {
  /** Folder levels searched below the root. @default 4 */
  maxDepth?: number;
  /** At most this many results. @default 1000 */
  limit?: number;
}

const SKIP = new Set(["node_modules", ".git", ".strata", "cells", "tenants"]);

/** Lists notebooks under `root`, newest first; unreadable manifests are skipped. */
export async function discoverNotebooks(
  root: string,
  options: DiscoverOptions = {},
): Promise<DiscoveredNotebook[]> {
  const maxDepth = options.maxDepth ?? 4;
  const limit = options.limit ?? 1000;
  const found: DiscoveredNotebook[] = [];
  async function walk(dir: string, depth: number): Promise<void> {
    if (found.length >= limit) return;
    let text: string | undefined;
    try {
      text = await Deno.readTextFile(join(dir, "notebook.toml"));
    } catch { /* not a notebook folder */ }
    if (text !== undefined) {
      try {
        const m = parseManifest(text);
        found.push({
          name: m.name,
          path: relative(root, dir) || ".",
          owner: m.owner ?? null,
          notebookId: m.notebook_id,
          updatedAt: m.updated_at,
          cells: m.cells.length,
        });
      } catch { /* malformed: opening it shows the error */ }
      return;
    }
    if (depth >= maxDepth) return;
    try {
      for await (const e of Deno.readDir(dir)) {
        if (e.isDirectory && !SKIP.has(e.name) && !e.name.startsWith(".")) {
          await walk(join(dir, e.name), depth + 1);
        }
      }
    } catch { /* unreadable folder */ }
  }
  await walk(root, 0);
  return found.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
}
