/**
 * Local modules (issue 14 item 5): files beside the notebook that cells import with a relative
 * specifier (`import { f } from "./helper.ts"`). Specifiers resolve against the notebook folder
 * (the child rewrites them the same way, see lib/executor/cell_module.ts), and the content of every
 * local module a cell reaches, transitively, is part of the cell's provenance: editing
 * `helper.ts` makes its importers stale. Files outside the notebook folder are not read (the
 * cell's child cannot read them either); a missing file hashes as "missing", so creating it
 * later also makes the importer stale.
 */
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { sha256Hex } from "./_hash.ts";

/** Relative to the notebook folder (with `/`) -> content hash (or "missing"). */
export type ModuleHashes = Record<string, string>;

/** True for `./x` and `../x` specifiers (the ones resolved against the notebook folder). */
export function isRelativeSpecifier(specifier: string): boolean {
  return specifier.startsWith("./") || specifier.startsWith("../");
}

/** Extensions whose own imports are followed. */
const SCRIPT = /\.(ts|tsx|mts|js|jsx|mjs)$/;
const MAX_MODULES = 256;

/** Reads and hashes the local modules of cells; parses each file's imports once per content. */
export class LocalModules {
  #root: string;
  /** The root with symlinks resolved, to check where a module really is. */
  #realRoot: string;
  #importsOf: (source: string) => readonly string[];
  #parsed = new Map<string, readonly string[]>();

  /** `importsOf` lists a module's specifiers (the cell analyzer's `imports`). */
  constructor(root: string, importsOf: (source: string) => readonly string[]) {
    this.#root = resolve(root);
    try {
      this.#realRoot = Deno.realPathSync(this.#root);
    } catch {
      this.#realRoot = this.#root;
    }
    this.#importsOf = importsOf;
  }

  /**
   * The local modules reached from a cell's import specifiers, with their content hashes.
   * Synchronous: the model is rebuilt synchronously, and these are a few small files.
   */
  hashes(imports: readonly string[]): ModuleHashes {
    const out: ModuleHashes = {};
    const queue = imports.filter(isRelativeSpecifier).map((s) => resolve(this.#root, s));
    while (queue.length > 0 && Object.keys(out).length < MAX_MODULES) {
      const abs = queue.shift()!;
      const rel = this.#inside(abs);
      if (rel === null || rel in out) continue;
      let text: string;
      try {
        // Follow symlinks only where they stay inside the notebook folder.
        const real = Deno.realPathSync(abs);
        if (this.#inside(real, this.#realRoot) === null) continue;
        text = Deno.readTextFileSync(real); // the checked path, not the link
      } catch {
        out[rel] = "missing";
        continue;
      }
      const hash = sha256Hex(text);
      out[rel] = hash;
      if (!SCRIPT.test(abs)) continue;
      let specs = this.#parsed.get(hash);
      if (!specs) {
        specs = this.#importsOf(text);
        if (this.#parsed.size > 512) this.#parsed.clear();
        this.#parsed.set(hash, specs);
      }
      for (const s of specs) if (isRelativeSpecifier(s)) queue.push(resolve(dirname(abs), s));
    }
    return out;
  }

  /** The path relative to the notebook folder (with `/`), or null when outside it. */
  #inside(abs: string, root = this.#root): string | null {
    const rel = relative(root, abs);
    if (!rel || rel.startsWith("..") || isAbsolute(rel)) return null;
    if (rel.split(sep).includes(".strata")) return null;
    return rel.split(sep).join("/");
  }
}

/** The names of the modules whose hashes differ between two records (added/removed included). */
export function changedModules(before: ModuleHashes, after: ModuleHashes): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => before[k] !== after[k]).sort();
}
