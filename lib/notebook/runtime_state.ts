/**
 * Runtime state in `.strata/runtime.json`: per-cell last provenance, status and timings. It is the
 * only file execution writes, so `notebook.toml` stays byte-identical across runs. `.strata/`
 * gets its own `.gitignore` so the state never lands in git.
 */
import { join } from "node:path";
import { atomicWriteTextFile } from "./_atomic.ts";
import type { LastRun } from "./staleness.ts";

/** What runtime.json keeps for one cell. */
export interface CellRunRecord extends LastRun {
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  /** Short error message of a failed run. */
  error?: string;
}

/** The whole runtime.json. */
export interface RuntimeState {
  version: 1;
  cells: Record<string, CellRunRecord>;
  /** Widgets (issue 16): current values, cell id → widget name → value. */
  widgets?: Record<string, Record<string, unknown>>;
}

/** Result of readRuntimeState: a corrupt file is reported, not thrown, and treated as empty. */
export interface RuntimeStateRead {
  state: RuntimeState;
  error?: string;
}

/** Path of runtime.json under a notebook folder. */
export function runtimeStatePath(root: string): string {
  return join(root, ".strata", "runtime.json");
}

/** Reads runtime.json; missing gives an empty state, unreadable gives an empty state and an error. */
export async function readRuntimeState(root: string): Promise<RuntimeStateRead> {
  const path = runtimeStatePath(root);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return { state: emptyRuntimeState() };
    throw err;
  }
  try {
    const parsed = JSON.parse(text);
    if (parsed?.version !== 1 || typeof parsed.cells !== "object" || parsed.cells === null) {
      return { state: emptyRuntimeState(), error: `${path}: unknown format, ignoring it` };
    }
    return { state: parsed as RuntimeState };
  } catch (err) {
    return { state: emptyRuntimeState(), error: `${path}: ${(err as Error).message}` };
  }
}

/** A state with no runs. */
export function emptyRuntimeState(): RuntimeState {
  return { version: 1, cells: {} };
}

/**
 * Writes runtime.json atomically, creating `.strata/` (with a `.gitignore`) if needed. The JSON
 * is compact: the file is git-ignored machine state, and indenting it cost ≈5 ms of CPU per
 * write at 1,000 cells, once per cached run-all (issue 20). While `.strata/.gitignore` exists
 * (one synchronous stat) the folder is not created again.
 */
export async function writeRuntimeState(root: string, state: RuntimeState): Promise<void> {
  const dir = join(root, ".strata");
  const ignore = join(dir, ".gitignore");
  if (!isFile(ignore)) {
    await Deno.mkdir(dir, { recursive: true });
    try {
      await Deno.writeTextFile(ignore, "*\n", { createNew: true });
    } catch (err) {
      if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
    }
  }
  await atomicWriteTextFile(runtimeStatePath(root), JSON.stringify(state) + "\n");
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** Records one cell's run and returns the new state (read, update, atomic write). */
export async function recordCellRun(
  root: string,
  cellId: string,
  run: CellRunRecord,
): Promise<RuntimeState> {
  const { state } = await readRuntimeState(root);
  state.cells[cellId] = run;
  await writeRuntimeState(root, state);
  return state;
}

/** Drops records of cells no longer in the notebook (after removals). */
export function pruneRuntimeState(state: RuntimeState, cellIds: Iterable<string>): RuntimeState {
  const keep = new Set(cellIds);
  const cells = Object.fromEntries(Object.entries(state.cells).filter(([id]) => keep.has(id)));
  return { version: 1, cells };
}
