/**
 * Builds cell modules without blocking the server: parsing is synchronous (0.25–0.7 s for a
 * 1 MB cell with `@babel/parser` at load 7.5), so sources above OFF_THREAD_CHARS are built in a
 * Worker, and sources above MAX_CELL_SOURCE (the API's own limit) are refused with a clear error.
 */

import { MAX_CELL_SOURCE } from "../notebook/cell_files.ts";
import { buildCellModule, type BuildOptions, type BuildOutcome } from "./cell_module.ts";

/** Longest cell source the executor builds, in UTF-16 code units (the API accepts the same). */
export { MAX_CELL_SOURCE };
/** Sources at least this long are parsed in a Worker. */
export const OFF_THREAD_CHARS = 32_768;
/** An idle build Worker is stopped after this long. */
const IDLE_MS = 30_000;

/** A build, or why there is none (too large). */
export type BuildResult = BuildOutcome | { ok: false; tooLarge: string };

let worker: Worker | undefined;
let idleTimer: ReturnType<typeof setTimeout> | undefined;
let nextId = 0;
const waiting = new Map<number, (r: { outcome?: BuildOutcome; error?: string }) => void>();

/** Builds a cell's module, off the event loop for large sources. */
export async function buildModule(source: string, options: BuildOptions): Promise<BuildResult> {
  if (source.length > MAX_CELL_SOURCE) {
    return {
      ok: false,
      tooLarge: `Cell source is ${source.length.toLocaleString("en")} characters; the limit is ` +
        `${MAX_CELL_SOURCE.toLocaleString("en")}. Move large data into a file beside the ` +
        "notebook and read it from the cell.",
    };
  }
  const key = cacheKey(source, options);
  const hit = built.get(key);
  if (hit) {
    built.delete(key); // most recently used goes last
    built.set(key, hit);
    return hit;
  }
  const outcome = await buildUncached(source, options);
  if (source.length <= CACHE_MAX_SOURCE) {
    built.set(key, outcome);
    if (built.size > CACHE_ENTRIES) built.delete(built.keys().next().value!);
  }
  return outcome;
}

/**
 * Built modules by source and options: re-running a cell (or the same cell in a batch again)
 * skips the parse. A module is a pure function of these inputs, and callers only read it.
 */
const built = new Map<string, BuildOutcome>();
const CACHE_ENTRIES = 256;
/** Larger sources are rare and their text would dominate the cache's memory. */
const CACHE_MAX_SOURCE = 16_384;

function cacheKey(source: string, o: BuildOptions): string {
  return JSON.stringify([o.inputs, o.outputs, o.displayLast ?? true, o.baseDir ?? null, source]);
}

async function buildUncached(source: string, options: BuildOptions): Promise<BuildOutcome> {
  if (source.length < OFF_THREAD_CHARS) return await buildCellModule(source, options);
  const w = startWorker();
  if (!w) return await buildCellModule(source, options);
  if (idleTimer !== undefined) clearTimeout(idleTimer);
  const id = ++nextId;
  const reply = await new Promise<{ outcome?: BuildOutcome; error?: string }>((resolve) => {
    waiting.set(id, resolve);
    w.postMessage({ id, source, options });
  });
  if (waiting.size === 0) {
    const timer = setTimeout(stopBuildWorker, IDLE_MS);
    Deno.unrefTimer(timer as unknown as number);
    idleTimer = timer;
  }
  if (reply.error !== undefined) throw new TypeError(reply.error);
  return reply.outcome!;
}

/** Stops the build Worker (it restarts on the next large build). */
export function stopBuildWorker(): void {
  if (idleTimer !== undefined) clearTimeout(idleTimer);
  idleTimer = undefined;
  worker?.terminate();
  worker = undefined;
  for (const [, resolve] of waiting) resolve({ error: "the module build Worker was stopped" });
  waiting.clear();
}

function startWorker(): Worker | undefined {
  if (worker) return worker;
  // The single-file build ships the Worker as build_worker.js beside strata.js.
  const bundled = import.meta.url.endsWith(".js");
  const url = new URL(bundled ? "./build_worker.js" : "./_build_worker.ts", import.meta.url);
  try {
    const w = new Worker(url, { type: "module", name: "cell-module-builder" });
    w.onmessage = (e: MessageEvent<{ id: number; outcome?: BuildOutcome; error?: string }>) => {
      const resolve = waiting.get(e.data.id);
      waiting.delete(e.data.id);
      resolve?.(e.data);
    };
    w.onerror = (e) => {
      e.preventDefault();
      worker = undefined;
      for (const [, resolve] of waiting) resolve({ error: `module build failed: ${e.message}` });
      waiting.clear();
    };
    worker = w;
    return w;
  } catch {
    return undefined; // no Worker here (missing file or permission): build on the main thread
  }
}
