/** Whether a package can be loaded synchronously with Node's `require`. */
import { createRequire } from "node:module";

const known = new Map<string, boolean>();

/**
 * True when `specifier` resolves through `require` from this folder: under `deno run` with
 * node_modules, not in the single-file build (a bundle has no node_modules to resolve it from).
 * Answered once per specifier.
 */
export function canRequire(specifier: string): boolean {
  let found = known.get(specifier);
  if (found === undefined) {
    try {
      createRequire(import.meta.url).resolve(specifier);
      found = true;
    } catch {
      found = false;
    }
    known.set(specifier, found);
  }
  return found;
}
