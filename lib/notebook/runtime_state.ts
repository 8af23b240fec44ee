/**
 * Runtime state in `.strata/runtime.json`: per-cell last provenance, status and timings. It is the
 * only file execution writes, so `notebook.toml` stays byte-identical across runs. `.strata/`
 * gets its own `.gitignore` so the state never lands in git.
 *
 * Issue 20: a run's records are appended to a journal (`.strata/runtime-<id>.journal`, one JSON
 * line per record step) named by the runtime.json it extends, instead of replacing runtime.json
 * after every run. Replacing a file by rename costs ext4 a flush of the new file's data at the
 * rename (`auto_da_alloc`): 0.2 ms quiet, 0.5–3 ms on a busy machine, on the answer's path. An
 * append costs ≈15 µs and lands in the page cache before the answer, exactly like the rename did
 * (neither is fsync'd). Readers (`readRuntimeState`) replay the journal; a line cut short by a
 * crash is ignored (it was never answered). A full write (`writeRuntimeState`) folds everything
 * into runtime.json under a new journal name, then deletes the old journal.
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

/**
 * Where a notebook's run records go next: the journal runtime.json names, and how much it holds
 * (a full write folds it in once it is long; see `appendRuntimeRuns`).
 */
export interface RuntimeJournal {
  id: string;
  lines: number;
  chars: number;
}

/** Result of readRuntimeState: a corrupt file is reported, not thrown, and treated as empty. */
export interface RuntimeStateRead {
  state: RuntimeState;
  error?: string;
  /** The journal runtime.json names (absent: none, e.g. a file written before journals). */
  journal?: RuntimeJournal;
}

/** Path of runtime.json under a notebook folder. */
export function runtimeStatePath(root: string): string {
  return join(root, ".strata", "runtime.json");
}

/** Path of a runtime journal under a notebook folder. */
export function runtimeJournalPath(root: string, id: string): string {
  return join(root, ".strata", `runtime-${id}.journal`);
}

/** A journal name as runtime.json records it (anything else is ignored, never opened). */
const JOURNAL_ID = /^[0-9a-f]{16}$/;
const JOURNAL_FILE = /^runtime-[0-9a-f]{16}\.journal$/;

/** A journal longer than this is folded into runtime.json by the next append. */
export const JOURNAL_MAX_LINES = 512;
export const JOURNAL_MAX_CHARS = 256 * 1024;

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
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { state: emptyRuntimeState(), error: `${path}: ${(err as Error).message}` };
  }
  if (parsed?.version !== 1 || typeof parsed.cells !== "object" || parsed.cells === null) {
    return { state: emptyRuntimeState(), error: `${path}: unknown format, ignoring it` };
  }
  const { journal: id, ...state } = parsed as RuntimeState & { journal?: unknown };
  if (typeof id !== "string" || !JOURNAL_ID.test(id)) return { state };
  return { state, journal: await replayJournal(root, id, state) };
}

/** Applies a journal's records to `state`, in order; stops at a line a crash cut short. */
async function replayJournal(root: string, id: string, state: RuntimeState) {
  const journal: RuntimeJournal = { id, lines: 0, chars: 0 };
  let text: string;
  try {
    text = await Deno.readTextFile(runtimeJournalPath(root, id));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return journal; // nothing appended yet
    throw err;
  }
  let start = 0;
  for (let end = text.indexOf("\n"); end >= 0; end = text.indexOf("\n", start)) {
    let entry;
    try {
      entry = JSON.parse(text.slice(start, end));
    } catch {
      break;
    }
    if (typeof entry?.cells !== "object" || entry.cells === null) break;
    Object.assign(state.cells, entry.cells);
    journal.lines++;
    start = end + 1;
  }
  // A line a crash cut short was never acknowledged. Nothing may be appended after it (the next
  // line would join it and be lost too): no journal, so the next record writes in full.
  if (start !== text.length) return undefined;
  journal.chars = text.length;
  return journal;
}

/** A state with no runs. */
export function emptyRuntimeState(): RuntimeState {
  return { version: 1, cells: {} };
}

/**
 * Writes runtime.json atomically, creating `.strata/` (with a `.gitignore`) if needed, and starts
 * a new, empty journal for the records that follow (returned; older journals are deleted once
 * the new file is in place). The JSON is compact: the file is git-ignored machine state, and
 * indenting it cost ≈5 ms of CPU per write at 1,000 cells, once per cached run-all (issue 20).
 * While `.strata/.gitignore` exists (one synchronous stat) the folder is not created again.
 */
export async function writeRuntimeState(
  root: string,
  state: RuntimeState,
): Promise<RuntimeJournal> {
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
  const id = Array.from(
    crypto.getRandomValues(new Uint8Array(8)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
  // The journal exists (empty) before runtime.json names it: an append that finds it missing
  // knows `.strata/` was replaced or deleted and writes in full instead (see appendRuntimeRuns).
  Deno.writeTextFileSync(runtimeJournalPath(root, id), "", { createNew: true });
  await atomicWriteTextFile(
    runtimeStatePath(root),
    JSON.stringify({ ...state, journal: id }) + "\n",
  );
  removeOldJournals(dir, id);
  return { id, lines: 0, chars: 0 };
}

/** Deletes journals other than `keep` (folded into runtime.json, or left by a crash). */
function removeOldJournals(dir: string, keep: string): void {
  for (const e of Deno.readDirSync(dir)) {
    if (!e.isFile || !JOURNAL_FILE.test(e.name) || e.name === `runtime-${keep}.journal`) continue;
    try {
      Deno.removeSync(join(dir, e.name));
    } catch { /* removed meanwhile */ }
  }
}

/**
 * Records runs: `cells` (the records that changed, already in `state`) appended to the journal
 * as one line, before the caller answers. Without a journal, when it is long, or when it is gone
 * (`.strata/` deleted or replaced by another writer), the whole `state` is written instead.
 * Returns the journal the next records go to.
 */
export async function appendRuntimeRuns(
  root: string,
  state: RuntimeState,
  cells: Record<string, CellRunRecord>,
  journal: RuntimeJournal | undefined,
): Promise<RuntimeJournal> {
  const line = JSON.stringify({ cells }) + "\n";
  if (
    !journal || journal.lines >= JOURNAL_MAX_LINES ||
    journal.chars + line.length > JOURNAL_MAX_CHARS
  ) {
    return await writeRuntimeState(root, state);
  }
  try {
    // One write of one line, O_APPEND; `create: false`: a journal deleted since is not recreated
    // unnamed by any runtime.json (the records would be lost), the state is written in full.
    Deno.writeTextFileSync(runtimeJournalPath(root, journal.id), line, {
      append: true,
      create: false,
    });
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
    return await writeRuntimeState(root, state);
  }
  return { id: journal.id, lines: journal.lines + 1, chars: journal.chars + line.length };
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
