/**
 * Loads a CommonJS file (the TypeScript compiler, ≈9 MB of JavaScript; the cell parser) with a V8
 * code cache that Strata keeps itself (issue 20). Deno keeps a code cache for the modules its main thread loads,
 * but not for a Worker's: measured, `typescript` took 150–190 ms to load in the type Worker
 * against 54 ms through `require` on the main thread, and 34 ms from this cache in either.
 *
 * The cache file is `<dir>/<name>-<key>.v8`: a SHA-256 of the payload, then V8's serialized code.
 * A file that is missing, torn or rejected by V8 costs a normal compile, and the cache is written
 * again a second later (off the load's path). Writes are atomic (temp file, fsync, rename). Whoever can write the data folder can plant code in the server through this file, as
 * through its database: cells get no grant there (docs/security.md).
 */
import vm from "node:vm";
import Module, { createRequire } from "node:module";
import { createHash } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";

/** How a load used the cache. */
export type CodeCacheUse = "hit" | "miss" | "rejected" | "corrupt";

/** What {@link requireWithCodeCache} loaded. */
export interface CodeCacheLoad {
  exports: unknown;
  use: CodeCacheUse;
  /** The cache file it read or will write. */
  path: string;
  /** Resolves once the cache is written (or its write is skipped or failed); a hit never writes. */
  written: Promise<boolean>;
}

/** Options of requireWithCodeCache. */
export interface CodeCacheOptions {
  /** The folder of cache files (created when a cache is written). */
  dir: string;
  /** A file name prefix: every `<name>-*.v8` but the current one is removed when one is written. */
  name: string;
  /** What else must match for a cache to apply (package version, say). */
  key?: string;
  /**
   * Milliseconds after the load before a missing cache is written: a process that ends sooner
   * does not wait for it (0: written on the next turn, and waited for). @default 1000
   */
  writeAfterMs?: number;
  /**
   * What the cache holds. "compile" (the default): V8's code as compiled at the load, taken then
   * (the module's outer functions; V8 compiles a `compileFunction`'s code up front). "use": the
   * module is compiled as a script and the cache is taken when it is written, `writeAfterMs` after
   * the load, so it also holds every function that had run by then. For a module whose first uses
   * are the cost (the cell parser: each of its functions compiled on first call), "use" is what
   * saves them.
   */
  take?: "compile" | "use";
}

type NodeModule = {
  exports: unknown;
  filename: string;
  paths: string[];
  loaded: boolean;
};
type ModuleStatics = {
  new (id: string, parent: unknown): NodeModule;
  _cache: Record<string, NodeModule>;
  _nodeModulePaths(dir: string): string[];
};

const HASH_BYTES = 32;
/** The bindings Node's module loader gives a CommonJS module. */
const PARAMS = ["exports", "require", "module", "__filename", "__dirname"];

/** What `vm.compileFunction` returns with `cachedData` / `produceCachedData`. */
type CompiledFunction = ((...args: unknown[]) => void) & {
  cachedDataRejected?: boolean;
  cachedData?: Uint8Array;
};

/**
 * `require(file)` compiled with the cache in `options.dir`: the module is registered in Node's
 * module cache, so a later `require` of the same file returns the same exports. Synchronous, like
 * `require`. Throws what the module's own evaluation throws.
 */
export function requireWithCodeCache(file: string, options: CodeCacheOptions): CodeCacheLoad {
  const statics = Module as unknown as ModuleStatics;
  const known = statics._cache[file];
  const path = codeCachePath(file, options);
  if (known?.loaded) {
    return { exports: known.exports, use: "hit", path, written: Promise.resolve(false) };
  }
  const source = Deno.readTextFileSync(file); // 11 ms for 9 MB, against 20 through node:fs
  let cached: Uint8Array | undefined;
  let use: CodeCacheUse = "miss";
  try {
    const bytes = readFileSync(path);
    const payload = bytes.subarray(HASH_BYTES);
    const sum = createHash("sha256").update(payload).digest();
    if (bytes.length > HASH_BYTES && sum.equals(bytes.subarray(0, HASH_BYTES))) cached = payload;
    else use = "corrupt";
  } catch { /* no cache yet */ }
  const { fn, rejected, data } = options.take === "use"
    ? compileScript(file, source, cached)
    : compileFunction(file, source, cached);
  if (cached) use = rejected ? "rejected" : "hit";
  const mod = new statics(file, null);
  mod.filename = file;
  mod.paths = statics._nodeModulePaths(dirname(file));
  statics._cache[file] = mod;
  try {
    fn.call(mod.exports, mod.exports, createRequire(file), mod, file, dirname(file));
    mod.loaded = true;
  } catch (err) {
    delete statics._cache[file];
    throw err;
  }
  const delay = options.writeAfterMs ?? 1000;
  const written = use === "hit" ? Promise.resolve(false) : new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(writeCache(data(), path, options.name)), delay);
    if (delay > 0) Deno.unrefTimer(timer);
  });
  return { exports: mod.exports, use, path, written };
}

/** A module's code compiled, and how to take its cache when the time comes to write it. */
interface Compiled {
  fn: CompiledFunction;
  /** V8 refused the cache it was given (compiled anew). */
  rejected: boolean;
  data: () => Uint8Array | undefined;
}

/**
 * Compiled as a function with Node's five module bindings, its cache produced at the compile.
 * Measured against `vm.Script` over the same wrapper (whose cache can be taken after a run, so it
 * holds more): the same load from a cache (≈35 ms), but a load without one took 145–200 ms instead
 * of 400–450 (V8 compiles the script's inner functions lazily while it runs, the function's up
 * front). That is the trade for the TypeScript compiler, loaded once per type Worker.
 */
function compileFunction(file: string, source: string, cached: Uint8Array | undefined): Compiled {
  const compile = (cachedData: Uint8Array | undefined) =>
    vm.compileFunction(source, PARAMS, {
      filename: file,
      cachedData,
      produceCachedData: cachedData === undefined,
    }) as CompiledFunction;
  const fn = compile(cached);
  const produced = fn.cachedData;
  // A rejected cache was not replaced at compile time: produce one from the compiled function.
  return {
    fn,
    rejected: fn.cachedDataRejected === true,
    data: () => produced ?? compile(undefined).cachedData,
  };
}

/**
 * Compiled as a script that evaluates to the module's function (Node's own wrapper, on the
 * source's first line so positions in its other lines are the file's), its cache taken from the
 * script when it is written: with the inner functions V8 compiled while the module was used.
 */
function compileScript(file: string, source: string, cached: Uint8Array | undefined): Compiled {
  const script = new vm.Script(`(function (${PARAMS.join(", ")}) { ${source}\n})`, {
    filename: file,
    cachedData: cached,
  });
  return {
    fn: script.runInThisContext() as CompiledFunction,
    rejected: script.cachedDataRejected === true,
    data: () => script.createCachedData(),
  };
}

/**
 * The cache file for `file` now. V8 checks a cache against its source by length only (measured: a
 * same-length script runs the cached code), so the file's path (with its package version), size
 * and modification time name the cache, with V8's version and flags (which V8 checks itself, but
 * a mismatch would have two kinds of process rewrite each other's cache).
 */
export function codeCachePath(file: string, options: CodeCacheOptions): string {
  const st = statSync(file);
  const key = [file, options.key ?? "", Deno.version.v8, v8Flags(), st.size, st.mtimeMs];
  return join(options.dir, `${options.name}-${shortHash(key.join("|"))}.v8`);
}

/** Writes a code cache atomically and removes older caches of the same name. */
function writeCache(payload: Uint8Array | undefined, path: string, name: string): boolean {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${crypto.randomUUID()}.tmp`);
  try {
    if (!payload) return false;
    const sum = createHash("sha256").update(payload).digest();
    Deno.mkdirSync(dir, { recursive: true });
    const fd = openSync(tmp, "wx", 0o600);
    try {
      writeSync(fd, sum);
      writeSync(fd, payload);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    // Older caches of this name, and temp files a crash left (another process's write under way
    // then fails its rename and is simply not kept).
    for (const entry of readdirSync(dir)) {
      const old = entry.startsWith(`${name}-`) && entry.endsWith(".v8") && entry !== basename(path);
      if (old || (entry.startsWith(`.${name}-`) && entry.endsWith(".tmp"))) {
        rmSync(join(dir, entry), { force: true });
      }
    }
    return true;
  } catch {
    try {
      rmSync(tmp, { force: true });
    } catch { /* no folder to have left it in */ }
    return false; // a cache is an optimization: a folder it cannot write costs the next load only
  }
}

/** The process's V8 flags, when this process may read them (they decide whether V8 takes a cache). */
function v8Flags(): string {
  try {
    return Deno.env.get("DENO_V8_FLAGS") ?? "";
  } catch {
    return "?";
  }
}

function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}
