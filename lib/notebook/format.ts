/**
 * A notebook folder on disk: `notebook.toml`, `cells/<id>_<slug>.ts|.md`, `.strata/`. Structural
 * edits (add, remove, reorder, rename, env) rewrite the manifest; editing a cell's source writes
 * only its file. Every write is atomic. Callers serialize edits to one notebook (the session
 * does): each operation is read-modify-write of the manifest.
 */
import { join } from "node:path";
import { ConflictError, NotFoundError, ValidationError } from "../errors.ts";
import { atomicWriteTextFile } from "./_atomic.ts";
import type { CellDiagnostic } from "./analyzer.ts";
import {
  cellExtension,
  cellFileName,
  type CellLanguage,
  cellSlug,
  newCellId,
} from "./cell_files.ts";
import { type CellEntry, type Manifest, parseManifest, serializeManifest } from "./manifest.ts";
import { emptyRuntimeState, writeRuntimeState } from "./runtime_state.ts";

/** A cell as read from disk. */
export interface NotebookCell extends CellEntry {
  source: string;
  /** Problems reading the cell file (e.g. missing); never thrown. */
  diagnostics: CellDiagnostic[];
}

/** A notebook as read from disk; cells in order. */
export interface Notebook {
  root: string;
  manifest: Manifest;
  cells: NotebookCell[];
}

/** Options for createNotebook. */
export interface CreateNotebookOptions {
  name: string;
  owner?: string;
  /** Default cell timeout in seconds. */
  timeout?: number;
  /** @default new Date() */
  now?: Date;
}

/** Creates a notebook folder; fails with ConflictError if it already holds a notebook. */
export async function createNotebook(
  root: string,
  options: CreateNotebookOptions,
): Promise<Notebook> {
  await Deno.mkdir(join(root, "cells"), { recursive: true });
  const at = (options.now ?? new Date()).toISOString();
  const manifest: Manifest = {
    notebook_id: crypto.randomUUID(),
    name: options.name,
    owner: options.owner,
    created_at: at,
    updated_at: at,
    timeout: options.timeout,
    cells: [],
  };
  try {
    await Deno.writeTextFile(manifestPath(root), serializeManifest(manifest), { createNew: true });
  } catch (err) {
    if (err instanceof Deno.errors.AlreadyExists) {
      throw new ConflictError(`Cannot create notebook: '${root}' already contains a notebook.toml`);
    }
    throw err;
  }
  await writeRuntimeState(root, emptyRuntimeState());
  return readNotebook(root);
}

/** Reads a notebook folder; a missing cell file becomes a diagnostic on that cell. */
export async function readNotebook(root: string): Promise<Notebook> {
  const manifest = await loadManifest(root);
  const entries = [...manifest.cells].sort((a, b) => a.order - b.order);
  const cells = await Promise.all(entries.map(async (entry): Promise<NotebookCell> => {
    try {
      return { ...entry, source: await Deno.readTextFile(join(root, entry.file)), diagnostics: [] };
    } catch (err) {
      const missing = err instanceof Deno.errors.NotFound;
      const message = missing
        ? `Cell file ${entry.file} is missing`
        : `Cannot read cell file ${entry.file}: ${(err as Error).message}`;
      return {
        ...entry,
        source: "",
        diagnostics: [{ severity: "error", code: "cell-file", message }],
      };
    }
  }));
  return { root, manifest, cells };
}

/** Options for addCell. */
export interface AddCellOptions {
  source: string;
  /** @default "typescript" */
  language?: CellLanguage;
  /** Insert after this cell id; null inserts first; omitted appends. */
  after?: string | null;
  /** Store as `.tsx`. @default false */
  jsx?: boolean;
  now?: Date;
}

/** Adds a cell (file first, then manifest) and returns the notebook and the new cell's id. */
export async function addCell(
  root: string,
  options: AddCellOptions,
): Promise<{ notebook: Notebook; cellId: string }> {
  const manifest = await loadManifest(root);
  const language = options.language ?? "typescript";
  const cells = sorted(manifest.cells);
  let at = cells.length;
  if (options.after === null) at = 0;
  else if (options.after !== undefined) at = indexOf(cells, options.after, root) + 1;
  let id = newCellId();
  while (cells.some((c) => c.id === id)) id = newCellId();
  const file = cellFileName(
    id,
    cellSlug(options.source, language),
    cellExtension(language, options.jsx),
  );
  await Deno.mkdir(join(root, "cells"), { recursive: true });
  await atomicWriteTextFile(join(root, file), options.source);
  cells.splice(at, 0, { id, file, language, order: 0 });
  await saveManifest(root, { ...manifest, cells: renumber(cells) }, options.now);
  return { notebook: await readNotebook(root), cellId: id };
}

/** Replaces a cell's source; only the cell file is written, never notebook.toml. */
export async function editCell(root: string, cellId: string, source: string): Promise<Notebook> {
  const manifest = await loadManifest(root);
  const cell = manifest.cells[indexOf(manifest.cells, cellId, root)];
  await atomicWriteTextFile(join(root, cell.file), source);
  return readNotebook(root);
}

/** Removes a cell: manifest first, so a crash leaves an orphan file, not a dangling entry. */
export async function removeCell(root: string, cellId: string, now?: Date): Promise<Notebook> {
  const manifest = await loadManifest(root);
  const cells = sorted(manifest.cells);
  const [removed] = cells.splice(indexOf(cells, cellId, root), 1);
  await saveManifest(root, { ...manifest, cells: renumber(cells) }, now);
  await Deno.remove(join(root, removed.file)).catch((err) => {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  });
  return readNotebook(root);
}

/** Puts cells in the given order, which must list every cell id exactly once. */
export async function reorderCells(
  root: string,
  order: readonly string[],
  now?: Date,
): Promise<Notebook> {
  const manifest = await loadManifest(root);
  const byId = new Map(manifest.cells.map((c) => [c.id, c]));
  const unique = new Set(order);
  if (
    unique.size !== order.length || order.length !== byId.size || order.some((id) => !byId.has(id))
  ) {
    throw new ValidationError(
      `Cannot reorder cells of '${root}': the order must list each of the ${byId.size} cell ids exactly once`,
    );
  }
  await saveManifest(root, { ...manifest, cells: renumber(order.map((id) => byId.get(id)!)) }, now);
  return readNotebook(root);
}

/** Renames a cell: sets its `// @name` line and moves its file to the matching slug. */
export async function renameCell(
  root: string,
  cellId: string,
  name: string,
  now?: Date,
): Promise<Notebook> {
  const clean = name.trim();
  if (!clean || /[\r\n]/.test(clean)) {
    throw new ValidationError(
      `Cannot rename cell ${cellId}: name '${name}' must be one non-empty line`,
    );
  }
  const manifest = await loadManifest(root);
  const cells = sorted(manifest.cells);
  const cell = cells[indexOf(cells, cellId, root)];
  const oldPath = join(root, cell.file);
  const source = await Deno.readTextFile(oldPath).catch(() => "");
  const next = withName(source, clean, cell.language);
  const ext = cell.file.slice(cell.file.lastIndexOf("."));
  const file = cellFileName(cell.id, cellSlug(`// @name ${clean}`, "typescript"), ext);
  await atomicWriteTextFile(join(root, file), next);
  if (file !== cell.file) {
    cell.file = file;
    await saveManifest(root, { ...manifest, cells }, now);
    await Deno.remove(oldPath).catch(() => {});
  }
  return readNotebook(root);
}

function withName(source: string, name: string, language: CellLanguage): string {
  if (language === "markdown") return source; // prompt cells carry `// @name` too (issue 18)
  const line = /^([ \t]*\/\/\s*@name\b).*$/m;
  return line.test(source) ? source.replace(line, `$1 ${name}`) : `// @name ${name}\n${source}`;
}

/** Replaces the notebook's [env] table (sensitive values are blanked when written). */
export async function setNotebookEnv(
  root: string,
  env: Record<string, string>,
  now?: Date,
): Promise<Notebook> {
  const manifest = await loadManifest(root);
  await saveManifest(root, { ...manifest, env }, now);
  return readNotebook(root);
}

/**
 * Sets (or with null removes) the `[secret_manager]` table. Returns false, writing nothing and
 * keeping `updated_at`, when the table already holds exactly these values.
 */
export async function setSecretManagerConfig(
  root: string,
  config: Record<string, unknown> | null,
  now?: Date,
): Promise<boolean> {
  const manifest = await loadManifest(root);
  const current = manifest.secret_manager ?? null;
  if (sameTable(current, config)) return false;
  const next: Manifest = { ...manifest };
  if (config === null) delete next.secret_manager;
  else {
    next.secret_manager = Object.fromEntries(
      Object.entries(config).filter(([, v]) => v !== undefined),
    );
  }
  await saveManifest(root, next, now);
  return true;
}

function sameTable(a: Record<string, unknown> | null, b: Record<string, unknown> | null): boolean {
  const norm = (t: Record<string, unknown> | null) =>
    t === null ? null : JSON.stringify(
      Object.entries(t).filter(([, v]) => v !== undefined).sort(([x], [y]) => x.localeCompare(y)),
    );
  return norm(a) === norm(b);
}

/** The notebook's deno.lock content, or null when it has none. */
export async function readLockFile(root: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(join(root, "deno.lock"));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
}

function manifestPath(root: string): string {
  return join(root, "notebook.toml");
}

async function loadManifest(root: string): Promise<Manifest> {
  const path = manifestPath(root);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new NotFoundError(`Cannot open notebook: '${root}' has no notebook.toml`);
    }
    throw err;
  }
  return parseManifest(text, path);
}

async function saveManifest(root: string, manifest: Manifest, now = new Date()): Promise<void> {
  const next = { ...manifest, updated_at: now.toISOString() };
  await atomicWriteTextFile(manifestPath(root), serializeManifest(next));
}

function sorted(cells: readonly CellEntry[]): CellEntry[] {
  return [...cells].sort((a, b) => a.order - b.order).map((c) => ({ ...c }));
}

function renumber(cells: CellEntry[]): CellEntry[] {
  return cells.map((c, i) => ({ ...c, order: i + 1 }));
}

function indexOf(cells: readonly CellEntry[], cellId: string, root: string): number {
  const i = cells.findIndex((c) => c.id === cellId);
  if (i < 0) throw new NotFoundError(`Cell '${cellId}' not found in notebook '${root}'`);
  return i;
}
