/** Lazy loader for the `typescript` compiler API (≈150 ms and ≈55 MB): first use, not import. */
import type ts from "typescript";
import { createRequire } from "node:module";
import { canRequire } from "./_require.ts";
import { type CodeCacheLoad, requireWithCodeCache } from "./_code_cache.ts";

/** The `typescript` module namespace. */
export type Ts = typeof ts;

let pending: Promise<Ts> | undefined;
let loaded: Ts | undefined;
let codeCacheDir: string | undefined;
let codeCacheWriteMs: number | undefined;
let lastLoad: CodeCacheLoad | undefined;

/**
 * Where this process keeps its V8 code cache of the compiler (`<dataDir>/code-cache`, set by the
 * server; none by default). Applies to the next load: with it, the compiler loads through
 * `requireWithCodeCache` (34 ms instead of 150–190 ms in the type Worker, issue 20).
 */
export function configureTypeScriptCodeCache(
  dir: string | undefined,
  options: { writeAfterMs?: number } = {},
): void {
  codeCacheDir = dir;
  codeCacheWriteMs = options.writeAfterMs;
}

/** What configureTypeScriptCodeCache set (the type thread passes it to its Worker). */
export function typeScriptCodeCacheConfig(): { dir?: string; writeAfterMs?: number } {
  return { dir: codeCacheDir, writeAfterMs: codeCacheWriteMs };
}

/** How the last load here used the code cache (tests and benches ask); undefined when it did not. */
export function typeScriptCodeCacheLoad(): CodeCacheLoad | undefined {
  return lastLoad;
}

/** Imports `typescript` on first call and returns the same module afterwards. */
export function loadTypeScript(): Promise<Ts> {
  if (!pending && codeCacheDir && typeScriptRequirable()) {
    try {
      pending = Promise.resolve(typeScriptNow());
    } catch (err) {
      pending = Promise.reject(err);
    }
  }
  pending ??= import("typescript").then((m) => loaded = (m.default ?? m) as Ts);
  return pending;
}

/** True once the compiler module has been loaded in this process (benches and tests ask). */
export function typeScriptLoaded(): boolean {
  return loaded !== undefined;
}

/** True when `typescript` can be loaded synchronously (not in the single-file build). */
export function typeScriptRequirable(): boolean {
  return canRequire("typescript");
}

/**
 * The compiler module now: the loaded one, or (a fallback for a caller that did not await
 * `loadTypeScript`) loaded synchronously through Node's `require`, which shares the module with
 * `import("typescript")` (same instance, checked in analysis_cache_test.ts). Where it cannot be
 * required (the single-file build), a caller must have awaited `loadTypeScript` first.
 */
export function typeScriptNow(): Ts {
  if (loaded) return loaded;
  if (!typeScriptRequirable()) {
    throw new Error(
      "The TypeScript parser is not loaded yet: await loadTypeScript() (or analyzer.prepare) first",
    );
  }
  const require = createRequire(import.meta.url);
  let required: Ts;
  if (codeCacheDir) {
    const file = require.resolve("typescript");
    lastLoad = requireWithCodeCache(file, {
      dir: codeCacheDir,
      name: "typescript",
      writeAfterMs: codeCacheWriteMs,
    });
    required = lastLoad.exports as Ts;
  } else required = require("typescript") as Ts;
  loaded = required;
  pending ??= Promise.resolve(required);
  return required;
}
