/** Lazy loader for the `typescript` compiler API (≈150 ms and ≈55 MB): first use, not import. */
import type ts from "typescript";
import type { CodeCacheLoad } from "./_code_cache.ts";
import { lazyPackage } from "./_lazy_package.ts";

/** The `typescript` module namespace. */
export type Ts = typeof ts;

const compiler = lazyPackage<Ts>({
  specifier: "typescript",
  importer: () => import("typescript"),
  cacheName: "typescript",
  // Compiled as a function, its cache taken at the load (_code_cache.ts says why).
  take: "compile",
  notLoaded:
    "The TypeScript parser is not loaded yet: await loadTypeScript() (or analyzer.prepare) first",
});

/**
 * Where this process keeps its V8 code cache of the compiler (`<dataDir>/code-cache`, set by the
 * server; none by default). Applies to the next load. With it, the compiler loads through
 * `requireWithCodeCache` (34 ms instead of 150–190 ms in the type Worker, issue 20).
 */
export function configureTypeScriptCodeCache(
  dir: string | undefined,
  options: { writeAfterMs?: number } = {},
): void {
  compiler.configureCodeCache({ dir, writeAfterMs: options.writeAfterMs });
}

/** What configureTypeScriptCodeCache set (the type thread passes it to its Worker). */
export function typeScriptCodeCacheConfig(): { dir?: string; writeAfterMs?: number } {
  return compiler.codeCacheConfig();
}

/** How the last load here used the code cache (tests and benches ask); undefined when it did not. */
export function typeScriptCodeCacheLoad(): CodeCacheLoad | undefined {
  return compiler.codeCacheLoad();
}

/** Imports `typescript` on first call and returns the same module afterwards. */
export function loadTypeScript(): Promise<Ts> {
  return compiler.load();
}

/** True once the compiler module has been loaded in this process (benches and tests ask). */
export function typeScriptLoaded(): boolean {
  return compiler.loaded();
}

/** True when `typescript` can be loaded synchronously (not in the single-file build). */
export function typeScriptRequirable(): boolean {
  return compiler.requirable();
}

/**
 * The compiler module now: the loaded one, or (a fallback for a caller that did not await
 * `loadTypeScript`) loaded synchronously through Node's `require`, which shares the module with
 * `import("typescript")` (same instance, checked in analysis_cache_test.ts). Where it cannot be
 * required (the single-file build), a caller must have awaited `loadTypeScript` first.
 */
export function typeScriptNow(): Ts {
  return compiler.now();
}
