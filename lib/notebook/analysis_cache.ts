/**
 * A persistent, content-addressed cache of cell analyses (issue 20): re-opening a notebook whose
 * cells were analyzed before — after a restart too — loads no parser at all.
 *
 * Key: SHA-256 of `strata-analysis-v<ANALYZER_VERSION>`, a NUL and the raw source (the analysis
 * depends on nothing else: `analyze(source)` with default options; a call with `jsx` set bypasses
 * the cache). Entry: `<dir>/<key[0..2]>/<key>.json` holding `{ v, key, analysis }`, written
 * atomically (temp file + rename) after the analysis, in slices once no `prepare` is under way. A missing, unreadable, corrupt,
 * wrong-version or wrong-shape entry is a miss, never an error; a failed write is only logged.
 *
 * `analyze` stays synchronous: `prepare(sources)` reads the stored analyses and, only when some
 * source misses, loads the parser and analyzes the misses (a slice at a time, yielding between
 * slices). `analyze` of a source not prepared still works: it reads that source's entry, and on a
 * miss parses it (loading the parser synchronously if nobody has yet).
 *
 * @example
 * ```ts
 * const analyzer = createCachedAnalyzer({ dir: `${dataDir}/analysis/${tenantHash}` });
 * await analyzer.prepare(cells.map((c) => c.source)); // no parser when every source hits
 * const a = analyzer.analyze(cells[0].source);
 * ```
 */
import { join } from "node:path";
import { type AnalyzeOptions, type Analyzer, ANALYZER_VERSION, analyzerNow } from "./analyzer.ts";
import type { CellAnalysis } from "./analyzer.ts";
import { babelRequirable, loadBabel } from "./_babel.ts";
import { isRelativeSpecifier } from "./local_modules.ts";
import { sha256Hex } from "./_hash.ts";
import { atomicWriteTextFile } from "./_atomic.ts";

/** Options of a cached analyzer. */
export interface CachedAnalyzerOptions {
  /** Where entries live (one directory per tenant); absent: memory only. */
  dir?: string;
  /** Analyses kept in memory (most recently used); default 4,096. */
  memoryEntries?: number;
  /** Told about a failed write (the analysis itself is still returned). */
  onWriteError?: (error: unknown) => void;
}

/** An analyzer with a persistent cache; `flush` waits for the writes under way. */
export interface CachedAnalyzer extends Analyzer {
  flush(): Promise<void>;
  /** Counters since creation (for benches and tests). */
  readonly stats: { hits: number; misses: number; writes: number };
}

/** The fields of a CellAnalysis, checked on every read (a stored entry of another shape misses). */
const ARRAY_FIELDS = [
  "defines",
  "typeDefines",
  "references",
  "globalReferences",
  "typeOnlyReferences",
  "mutates",
  "escapes",
  "fixed",
  "imports",
  "envKeys",
  "diagnostics",
] as const;
/** Every field a stored analysis must have, no more (analysis_cache_test.ts compares). */
export const ANALYSIS_FIELDS: readonly string[] = [
  ...ARRAY_FIELDS,
  "lastExpression",
  "hasTopLevelAwait",
  "jsx",
  "sourceHash",
].sort();

/** Entries written per macrotask (see drain). */
const WRITE_SLICE = 16;

/** The cache key of a source for this analyzer version (hex SHA-256). */
export function analysisKey(source: string): string {
  return sha256Hex(`strata-analysis-v${ANALYZER_VERSION}\0${source}`);
}

/** The path of a key's entry under `dir`. */
export function analysisEntryPath(dir: string, key: string): string {
  return join(dir, key.slice(0, 2), `${key}.json`);
}

/** Creates an analyzer that reads and writes analyses under `options.dir`. */
export function createCachedAnalyzer(options: CachedAnalyzerOptions = {}): CachedAnalyzer {
  const { dir } = options;
  const limit = options.memoryEntries ?? 4096;
  const memory = new Map<string, CellAnalysis>();
  const madeDirs = new Set<string>();
  const stats = { hits: 0, misses: 0, writes: 0 };
  let inner: Analyzer | undefined;
  /** The last prepare's size: its analyses stay until `analyze` takes them, however many. */
  let pinned = 0;

  function remember(source: string, analysis: CellAnalysis): void {
    memory.delete(source);
    memory.set(source, analysis);
    while (memory.size > Math.max(limit, pinned)) memory.delete(memory.keys().next().value!);
  }

  /** Entries waiting to be written, and the loop writing them (flush waits for it). */
  const queue: { key: string; text: string }[] = [];
  let draining: Promise<void> | undefined;
  /** Prepares under way: the writes wait for them, so an open never waits for the disk. */
  let preparing = 0;

  function store(key: string, analysis: CellAnalysis): void {
    if (!dir) return;
    queue.push({ key, text: JSON.stringify({ v: ANALYZER_VERSION, key, analysis }) });
    draining ??= drain().finally(() => draining = undefined);
  }

  /**
   * Writes the queued entries WRITE_SLICE at a time, a macrotask apart, once no prepare is under
   * way: each is a small synchronous write and rename (≈0.2–0.3 ms), so writing them inside a
   * 1,000-cell notebook's first open made the open 3–4× slower (386–494 ms against 112–122 ms
   * without a cache dir, issue 20).
   */
  async function drain(): Promise<void> {
    while (queue.length > 0) {
      await new Promise((r) => setTimeout(r, preparing > 0 ? 5 : 0));
      if (preparing > 0) continue;
      for (const { key, text } of queue.splice(0, WRITE_SLICE)) {
        const sub = join(dir!, key.slice(0, 2));
        try {
          if (!madeDirs.has(sub)) {
            Deno.mkdirSync(sub, { recursive: true });
            madeDirs.add(sub);
          }
          await atomicWriteTextFile(analysisEntryPath(dir!, key), text);
          stats.writes++;
        } catch (err) {
          options.onWriteError?.(err);
        }
      }
    }
  }

  /**
   * Stored analyses of `keys` (undefined: a miss). Synchronous reads, 64 at a time with a
   * macrotask between slices: half the CPU of one async read per entry (measured, 1,000 entries:
   * 65–72 ms against 145–185 ms) while never holding the event loop for more than one slice.
   */
  async function readAll(keys: string[]): Promise<(CellAnalysis | undefined)[]> {
    if (!dir) return keys.map(() => undefined);
    const out: (CellAnalysis | undefined)[] = [];
    for (let i = 0; i < keys.length; i++) {
      if (i > 0 && i % 64 === 0) await new Promise((r) => setTimeout(r, 0));
      out.push(readOne(keys[i]));
    }
    return out;
  }

  function readOne(key: string): CellAnalysis | undefined {
    if (!dir) return undefined;
    let text: string;
    try {
      text = Deno.readTextFileSync(analysisEntryPath(dir, key));
    } catch {
      return undefined;
    }
    return parseEntry(text, key);
  }

  function analyze(source: string, opts?: AnalyzeOptions): CellAnalysis {
    if (opts?.jsx !== undefined) return (inner ??= analyzerNow()).analyze(source, opts);
    const known = memory.get(source);
    if (known) {
      remember(source, known);
      return known;
    }
    // Not prepared (a local module, the type service, a transform): its entry, read now.
    const key = analysisKey(source);
    const stored = readOne(key);
    if (stored) {
      stats.hits++;
      remember(source, stored);
      return stored;
    }
    return parseAndStore(source, key);
  }

  function parseAndStore(source: string, key: string): CellAnalysis {
    return keepMiss(source, key, (inner ??= analyzerNow()).analyze(source));
  }

  /** A miss's analysis: counted, kept in memory and stored. */
  function keepMiss(source: string, key: string, analysis: CellAnalysis): CellAnalysis {
    stats.misses++;
    remember(source, analysis);
    store(key, analysis);
    return analysis;
  }

  async function prepare(sources: Iterable<string>): Promise<void> {
    preparing++;
    try {
      await prepareNow(sources);
    } finally {
      preparing--;
    }
  }

  async function prepareNow(sources: Iterable<string>): Promise<void> {
    const all = [...new Set(sources)];
    pinned = all.length;
    for (const s of all) {
      const known = memory.get(s);
      if (known) remember(s, known); // most recent: not evicted by this prepare's reads
    }
    const wanted = all.filter((s) => !memory.has(s));
    if (wanted.length === 0) return;
    const keys = wanted.map(analysisKey);
    const found = await readAll(keys);
    const missing: number[] = [];
    wanted.forEach((source, i) => {
      const analysis = found[i];
      if (analysis) {
        stats.hits++;
        remember(source, analysis);
      } else missing.push(i);
    });
    if (missing.length === 0) {
      // The cells' local modules are analyzed later, synchronously, outside `prepare`. Where the
      // parser cannot be loaded synchronously (the single-file build), load it now in case one of
      // them misses; elsewhere `analyze` reads their entries and requires the parser only then.
      const local = found.some((a) => a?.imports.some(isRelativeSpecifier));
      if (local && !babelRequirable()) await loadBabel();
      return;
    }
    await loadBabel(); // asynchronously, so the parse below does not block on a require
    for (let k = 0; k < missing.length; k++) {
      // ≈0.1 ms a cell: a 1,000-cell notebook yields the event loop ten times on its way.
      if (k > 0 && k % 100 === 0) await new Promise((r) => setTimeout(r, 0));
      const i = missing[k];
      if (!memory.has(wanted[i])) parseAndStore(wanted[i], keys[i]);
    }
  }

  return {
    analyze,
    prepare,
    stats,
    async flush() {
      while (draining) await draining;
    },
  };
}

/** A stored entry's analysis, or undefined when it is not a valid entry for `key`. */
export function parseEntry(text: string, key: string): CellAnalysis | undefined {
  let entry: unknown;
  try {
    entry = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(entry) || entry.v !== ANALYZER_VERSION || entry.key !== key) return undefined;
  const a = entry.analysis;
  if (!isRecord(a)) return undefined;
  const fields = Object.keys(a).sort();
  if (fields.length !== ANALYSIS_FIELDS.length) return undefined;
  if (fields.some((f, i) => f !== ANALYSIS_FIELDS[i])) return undefined;
  if (ARRAY_FIELDS.some((f) => !Array.isArray(a[f]))) return undefined;
  if (typeof a.sourceHash !== "string" || typeof a.jsx !== "boolean") return undefined;
  if (typeof a.hasTopLevelAwait !== "boolean") return undefined;
  if (a.lastExpression !== null && !isRecord(a.lastExpression)) return undefined;
  return a as unknown as CellAnalysis;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
