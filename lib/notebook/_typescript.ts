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

/**
 * The compiler module now: the loaded one, or (a fallback for a caller that did not await
 * `loadTypeScript`) loaded synchronously through Node's `require`, which shares the module with
 * `import("typescript")` (same instance, checked in analysis_cache_test.ts).
 */
export function typeScriptNow(): Ts {
  if (loaded) return loaded;
  const required = createRequire(import.meta.url)("typescript") as Ts;
  loaded = required;
  pending ??= Promise.resolve(required);
  return required;
}
