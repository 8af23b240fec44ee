/**
 * Cells as virtual TypeScript modules. Each code cell becomes one file whose first line (the
 * prelude) imports every name an earlier cell defines (from the nearest earlier definer, the
 * DAG's rule) and exports the cell's own top-level names; the cell's source follows unchanged on
 * line 2. So upstream values keep their inferred or annotated types, a shadowed name resolves to
 * the nearest definer, and cell offsets map to file offsets by adding the prelude's length.
 *
 * Pure: no compiler, no I/O; the language service turns these files into a Program.
 */
import type { CellAnalysis } from "../notebook/analyzer.ts";

/** Root of the virtual file tree (never on disk). */
export const VIRTUAL_ROOT = "/strata-virtual";

/** What composing needs from one cell, in notebook order. */
export interface VirtualCellInput {
  id: string;
  language: "typescript" | "markdown" | "prompt";
  source: string;
  /** The analysis of `source`; null for markdown and prompt cells. */
  analysis: CellAnalysis | null;
}

/** One code cell as a module. */
export interface VirtualCell {
  id: string;
  fileName: string;
  /** The generated first line, newline included; the source starts right after it. */
  prelude: string;
  /** prelude + source. */
  text: string;
  source: string;
  /** Names the cell reads that no earlier cell defines (the DAG already warns about them). */
  unresolved: Set<string>;
  /** Every name the cell imports, with the (nearest earlier) cell defining it. */
  upstream: Map<string, string>;
}

/**
 * The virtual file of a cell (`.tsx` when the cell uses JSX). `space` keeps the files of two
 * notebooks apart: parsed files are shared process-wide by path and version.
 */
export function cellFileName(id: string, jsx = false, space = "0"): string {
  return `${VIRTUAL_ROOT}/${space}/cells/${encodeURIComponent(id)}.${jsx ? "tsx" : "ts"}`;
}

/** The cell id of a virtual file name, or null for any other file. */
export function cellIdOfFile(fileName: string): string | null {
  const m = /^\/strata-virtual\/[^/]+\/cells\/([^/]+)\.tsx?$/.exec(fileName);
  return m ? decodeURIComponent(m[1]) : null;
}

/** Composes the module of every code cell; markdown and prompt cells get none. */
export function composeCells(
  cells: readonly VirtualCellInput[],
  space = "0",
): Map<string, VirtualCell> {
  const out = new Map<string, VirtualCell>();
  /** name -> [defining cell id, its file] for the cells seen so far. */
  const visible = new Map<string, string>();
  const files = new Map<string, string>();
  for (const cell of cells) {
    const a = cell.analysis;
    if (cell.language !== "typescript" || !a) continue;
    const fileName = cellFileName(cell.id, a.jsx, space);
    const mutated = new Set(a.mutates);
    const own = new Set([...a.defines.filter((n) => !mutated.has(n)), ...a.typeDefines]);
    const byDefiner = new Map<string, string[]>();
    const parts: string[] = [];
    const upstream = new Map<string, string>();
    for (const [name, from] of visible) {
      if (own.has(name)) continue;
      upstream.set(name, from);
      const spec = JSON.stringify(relativeSpecifier(files.get(from)!));
      if (mutated.has(name)) {
        // An import binding cannot be assigned; a local `let` typed like the upstream value can.
        parts.push(`import { ${name} as __strata_up_${name} } from ${spec};`);
        parts.push(`declare let ${name}: typeof __strata_up_${name};`);
        continue;
      }
      const list = byDefiner.get(from) ?? [];
      list.push(name);
      byDefiner.set(from, list);
    }
    for (const [from, names] of byDefiner) {
      parts.unshift(
        `import { ${names.join(", ")} } from ${
          JSON.stringify(relativeSpecifier(files.get(from)!))
        };`,
      );
    }
    const exported = [...new Set([...a.defines, ...a.typeDefines])];
    parts.push(`export { ${exported.join(", ")} };`);
    const unresolved = new Set(
      [...a.references, ...a.globalReferences, ...a.typeOnlyReferences].filter((n) =>
        !visible.has(n) && !own.has(n)
      ),
    );
    const prelude = parts.join(" ") + "\n";
    out.set(cell.id, {
      id: cell.id,
      fileName,
      prelude,
      text: prelude + cell.source,
      source: cell.source,
      unresolved,
      upstream,
    });
    files.set(cell.id, fileName);
    for (const n of [...a.defines, ...a.typeDefines]) visible.set(n, cell.id);
  }
  return out;
}

function relativeSpecifier(fileName: string): string {
  return "./" + fileName.slice(fileName.lastIndexOf("/") + 1);
}
