/**
 * MCP resources: notebooks and their cells by path, readable without knowing a session id.
 * `strata://notebooks/<path>` is the notebook summarized (as `get_notebook`);
 * `strata://notebooks/<path>/cells/<cellId>` is one cell's source and full outputs. Reading opens
 * the notebook through `notebook.open`, so the same scope, ACL and audit apply as for the tool.
 */
import { ForbiddenError, NotFoundError, ValidationError } from "../errors.ts";
import { outputContent, summarizeNotebook } from "./content.ts";
import type { ToolContext } from "./tools.ts";

const PREFIX = "strata://notebooks/";

/** A resource as `resources/list` shows it. */
export interface ResourceEntry {
  uri: string;
  name: string;
  description?: string;
  mimeType: string;
}

/** One item of a `resources/read` answer. */
export type ResourceContent =
  | { uri: string; mimeType: string; text: string }
  | { uri: string; mimeType: string; blob: string };

/** The URI templates of Strata's resources. */
export const RESOURCE_TEMPLATES = [
  {
    uriTemplate: `${PREFIX}{path}`,
    name: "notebook",
    description: "A notebook by path (URL-encoded): cells, statuses, why stale, summarized outputs",
    mimeType: "application/json",
  },
  {
    uriTemplate: `${PREFIX}{path}/cells/{cellId}`,
    name: "cell",
    description: "One cell of a notebook: its source and full outputs",
    mimeType: "text/plain",
  },
] as const;

/** The URI of a notebook, or of one of its cells. */
export function resourceUri(path: string, cellId?: string): string {
  const base = PREFIX + encodeURIComponent(path);
  return cellId === undefined ? base : `${base}/cells/${encodeURIComponent(cellId)}`;
}

/** Notebooks the caller may discover (personal mode); none where discovery is refused. */
export async function listResources(t: ToolContext): Promise<ResourceEntry[]> {
  let notebooks;
  try {
    notebooks = await t.dispatch("notebook.discover", {});
  } catch (err) {
    if (err instanceof ForbiddenError || err instanceof NotFoundError) return [];
    throw err;
  }
  return notebooks.map((n) => ({
    uri: resourceUri(n.path),
    name: n.name,
    description: `Notebook '${n.path}' (${n.cells} cells)`,
    mimeType: "application/json",
  }));
}

/** Reads a notebook or cell resource. */
export async function readResource(uri: string, t: ToolContext): Promise<ResourceContent[]> {
  if (!uri.startsWith(PREFIX)) {
    throw new ValidationError(`Unknown resource '${uri}': Strata resources start with ${PREFIX}`);
  }
  const [encodedPath, cells, encodedCell, ...more] = uri.slice(PREFIX.length).split("/");
  if (!encodedPath || (cells !== undefined && (cells !== "cells" || !encodedCell)) || more.length) {
    throw new ValidationError(
      `Unknown resource '${uri}': use ${PREFIX}<path> or ${PREFIX}<path>/cells/<cellId>`,
    );
  }
  let path: string, cellId: string | undefined;
  try {
    path = decodeURIComponent(encodedPath);
    cellId = encodedCell === undefined ? undefined : decodeURIComponent(encodedCell);
  } catch {
    throw new ValidationError(`Unknown resource '${uri}': malformed percent-encoding`);
  }
  const state = await t.dispatch("notebook.open", { path });
  if (cellId === undefined) {
    return [{
      uri,
      mimeType: "application/json",
      text: JSON.stringify(summarizeNotebook(state), null, 2),
    }];
  }
  const cell = state.cells.find((c) => c.id === cellId);
  if (!cell) throw new NotFoundError(`Cell '${cellId}' not found in notebook '${path}'`);
  const out: ResourceContent[] = [{ uri, mimeType: "text/plain", text: cell.source }];
  for (const c of outputContent(cell, { rowLimit: 100, maxChars: 50_000 })) {
    out.push(
      c.type === "image"
        ? { uri, mimeType: c.mimeType, blob: c.data }
        : { uri, mimeType: "text/plain", text: c.text },
    );
  }
  return out;
}
