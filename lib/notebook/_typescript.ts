/** Lazy loader for the `typescript` compiler API (≈150 ms and ≈55 MB): first use, not import. */
import type ts from "typescript";
import { createRequire } from "node:module";

/** The `typescript` module namespace. */
export type Ts = typeof ts;

let pending: Promise<Ts> | undefined;
let loaded: Ts | undefined;

/** Imports `typescript` on first call and returns the same module afterwards. */
export function loadTypeScript(): Promise<Ts> {
  pending ??= import("typescript").then((m) => loaded = (m.default ?? m) as Ts);
  return pending;
}

/** True once the compiler module has been loaded in this process (benches and tests ask). */
export function typeScriptLoaded(): boolean {
  return loaded !== undefined;
}

let requirable: boolean | undefined;

/**
 * True when `typescript` can be loaded synchronously (`require`): under `deno run` with
 * node_modules, not in the single-file build (a bundle has no node_modules to resolve it from).
 */
export function typeScriptRequirable(): boolean {
  if (requirable === undefined) {
    try {
      createRequire(import.meta.url).resolve("typescript");
      requirable = true;
    } catch {
      requirable = false;
    }
  }
  return requirable;
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
  const required = createRequire(import.meta.url)("typescript") as Ts;
  loaded = required;
  pending ??= Promise.resolve(required);
  return required;
}
