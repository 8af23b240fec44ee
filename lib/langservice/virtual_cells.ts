/**
 * Cells as virtual TypeScript modules. Each code cell becomes one file whose first line (the
 * prelude) imports the upstream names the cell reads (each from the nearest earlier definer, the
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
  /** The upstream names the cell imports (those it reads), with the cell defining each. */
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
  const scope: CellScope = { visible: new Map(), files: new Map() };
  for (const cell of cells) {
    if (cell.language !== "typescript" || !cell.analysis) continue;
    const composed = composeCell(cell, scope, space);
    out.set(cell.id, composed);
    addToScope(scope, cell, composed.fileName);
  }
  return out;
}

/** The names visible to a cell: each with the nearest earlier cell defining it. */
export interface CellScope {
  /** name -> defining cell id. */
  visible: Map<string, string>;
  /** cell id -> virtual file. */
  files: Map<string, string>;
}

/** The scope a cell sees (walks the cells before it). */
export function scopeBefore(
  cells: readonly VirtualCellInput[],
  cellId: string,
  space = "0",
): CellScope {
  const scope: CellScope = { visible: new Map(), files: new Map() };
  for (const cell of cells) {
    if (cell.id === cellId) break;
    if (cell.language !== "typescript" || !cell.analysis) continue;
    addToScope(scope, cell, cellFileName(cell.id, cell.analysis.jsx, space));
  }
  return scope;
}

function addToScope(scope: CellScope, cell: VirtualCellInput, fileName: string): void {
  scope.files.set(cell.id, fileName);
  for (const n of [...cell.analysis!.defines, ...cell.analysis!.typeDefines]) {
    scope.visible.set(n, cell.id);
  }
}

/**
 * One cell's module. It imports only the upstream names it reads (so a notebook's program grows
 * with its references, not with cells × names); identifier completions add the other visible
 * names themselves (see the language service).
 */
export function composeCell(cell: VirtualCellInput, scope: CellScope, space = "0"): VirtualCell {
  const a = cell.analysis!;
  const fileName = cellFileName(cell.id, a.jsx, space);
  const mutated = new Set(a.mutates);
  const own = new Set([...a.defines.filter((n) => !mutated.has(n)), ...a.typeDefines]);
  const read = new Set([...a.references, ...a.globalReferences, ...a.typeOnlyReferences]);
  const byDefiner = new Map<string, string[]>();
  const parts: string[] = [];
  const upstream = new Map<string, string>();
  const unresolved = new Set<string>();
  for (const name of read) {
    if (own.has(name)) continue;
    const from = scope.visible.get(name);
    if (!from) {
      unresolved.add(name);
      continue;
    }
    upstream.set(name, from);
    const spec = JSON.stringify(relativeSpecifier(scope.files.get(from)!));
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
        JSON.stringify(relativeSpecifier(scope.files.get(from)!))
      };`,
    );
  }
  const selfExported = exportedBySource(cell.source);
  const exported = [...new Set([...a.defines, ...a.typeDefines])].filter((n) =>
    !selfExported.has(n)
  );
  parts.push(`export { ${exported.join(", ")} };`);
  const prelude = parts.join(" ") + "\n";
  return {
    id: cell.id,
    fileName,
    prelude,
    text: prelude + cell.source,
    source: cell.source,
    unresolved,
    upstream,
  };
}

/**
 * Whether a new source keeps the cell's top-level names (the usual case while typing): then only
 * the cell's own module changes (composeCell with scopeBefore), not the modules below it.
 */
export function sameNames(
  before: { analysis: CellAnalysis; source: string },
  after: { analysis: CellAnalysis; source: string },
): boolean {
  const same = (a: readonly string[], b: readonly string[]) =>
    a.length === b.length && a.every((x, i) => x === b[i]);
  const [x, y] = [before.analysis, after.analysis];
  return x.jsx === y.jsx && same(x.defines, y.defines) && same(x.typeDefines, y.typeDefines) &&
    same(x.mutates, y.mutates) &&
    same([...exportedBySource(before.source)], [...exportedBySource(after.source)]);
}

/**
 * Names a cell exports itself (`export const x`, `export { a as b }`): exporting them again from
 * the prelude would be a duplicate export. Destructuring exports are not seen (rare in cells).
 */
function exportedBySource(source: string): Set<string> {
  const names = new Set<string>();
  if (!source.includes("export")) return names;
  const decl =
    /\bexport\s+(?:declare\s+)?(?:default\s+)?(?:abstract\s+)?(?:async\s+)?(?:const|let|var|function\*?|class|interface|type|enum)\s+([\w$]+)/g;
  for (const m of source.matchAll(decl)) names.add(m[1]);
  for (const m of source.matchAll(/\bexport\s+(?:type\s+)?\{([^}]*)\}/g)) {
    for (const part of m[1].split(",")) {
      const local = part.trim().split(/\s+as\s+/)[0].replace(/^type\s+/, "").trim();
      if (local) names.add(local);
    }
  }
  return names;
}

function relativeSpecifier(fileName: string): string {
  return "./" + fileName.slice(fileName.lastIndexOf("/") + 1);
}
