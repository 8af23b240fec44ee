/**
 * A TypeScript language service for one notebook: completions, hovers, go-to-definition and type
 * warnings for code cells, each cell a virtual module that sees its upstream names (see
 * virtual_cells.ts), the cell helpers and the Deno/Web globals. Updated incrementally: a changed
 * cell bumps only its own file's version (and those whose prelude changed), so the compiler
 * re-parses that file and reuses every other one.
 *
 * @example
 * ```ts
 * const ls = await createLanguageService({ cells, analyzer });
 * ls.complete("c2", "sales.", 6).items.map((i) => i.label); // ["at", "concat", ..., "filter", ...]
 * ls.dispose();
 * ```
 */
import type ts from "typescript";
import type { Analyzer, CellDiagnostic } from "../notebook/analyzer.ts";
import { loadSharedLibs, type SharedLibs } from "./_libs.ts";
import { readCachedFile, resolveNpmTypes } from "./npm_types.ts";
import {
  cellIdOfFile,
  composeCell,
  composeCells,
  sameNames,
  scopeBefore,
  VIRTUAL_ROOT,
  type VirtualCell,
  type VirtualCellInput,
} from "./virtual_cells.ts";

/** One completion candidate. */
export interface CompletionItem {
  label: string;
  /** TypeScript's element kind ("method", "property", "const", "function", "keyword", ...). */
  kind: string;
  detail?: string;
}

/** Completions at a cell offset; `from` is where the word being completed starts. */
export interface CompletionResult {
  items: CompletionItem[];
  from: number;
}

/** Hover text (signature, then documentation), or null where there is nothing to show. */
export interface HoverResult {
  text: string | null;
}

/** Where a name is declared: a cell and a 1-based line/column in its source. */
export interface DefinitionResult {
  cellId: string;
  line: number;
  column: number;
}

/** A type error, reported as a warning: it never blocks a run. */
export interface TypeDiagnostic extends CellDiagnostic {
  severity: "warning";
  source: "types";
}

/** Inputs of createLanguageService. */
export interface LanguageServiceInput {
  /** Cells in notebook order, with their analyses. */
  cells: readonly VirtualCellInput[];
  /** Analyzes an unsaved source passed to complete/hover. */
  analyzer: Analyzer;
  /** Deno's npm cache (`$DENO_DIR/npm/registry.npmjs.org`) for `npm:` import types; absent: none. */
  npmCacheDir?: string;
}

/** The language service of one notebook. Synchronous after creation. */
export interface NotebookLanguageService {
  /** Replaces the notebook's cells (after an edit); unchanged cells keep their parsed files. */
  update(cells: readonly VirtualCellInput[]): void;
  /** Completions at `offset` of `source` (the cell's unsaved text). Non-code cells: none. */
  complete(cellId: string, source: string, offset: number): CompletionResult;
  /** The type and documentation of the name at `offset`. */
  hover(cellId: string, source: string, offset: number): HoverResult;
  /** Where the name at `offset` is declared, when that is in a cell. */
  definition(cellId: string, source: string, offset: number): DefinitionResult | null;
  /** Type warnings of a cell's current text, cell-relative. Non-code cells: none. */
  diagnostics(cellId: string): TypeDiagnostic[];
  /** Releases the program and the cells' files. */
  dispose(): void;
}

/** At most this many completions are returned (TypeScript offers ~1500 globals at top level). */
const MAX_ITEMS = 400;

/** Diagnostics that say the same as the DAG's own warnings, or cannot be known here. */
const CANNOT_FIND_NAME = new Set([2304, 2552, 2582, 2583]);
const CANNOT_FIND_MODULE = new Set([2307, 2792, 7016]);

/** Loads the compiler (first use in the process) and builds the service. */
export async function createLanguageService(
  input: LanguageServiceInput,
): Promise<NotebookLanguageService> {
  const libs = await loadSharedLibs();
  const service = new CellLanguageService(libs, input);
  await libs.warm(service.settings);
  return service;
}

let spaces = 0;

class CellLanguageService implements NotebookLanguageService {
  #space = `n${++spaces}`;
  #libs: SharedLibs;
  #ts: SharedLibs["ts"];
  #analyzer: Analyzer;
  #npmCacheDir?: string;
  #inputs: VirtualCellInput[] = [];
  #cells = new Map<string, VirtualCell>();
  #byFile = new Map<string, { text: string; version: number }>();
  #versionSeq = 0;
  #ls: ts.LanguageService | null;
  #options: ts.CompilerOptions;

  constructor(libs: SharedLibs, input: LanguageServiceInput) {
    this.#libs = libs;
    this.#ts = libs.ts;
    this.#analyzer = input.analyzer;
    this.#npmCacheDir = input.npmCacheDir;
    const t = this.#ts;
    this.#options = {
      target: t.ScriptTarget.ESNext,
      module: t.ModuleKind.ESNext,
      moduleResolution: t.ModuleResolutionKind.Bundler,
      lib: ["lib.esnext.d.ts"],
      // No search for @typescript/lib-* packages: it walks the disk for every lib reference.
      libReplacement: false,
      types: [],
      strict: true,
      noEmit: true,
      allowImportingTsExtensions: true,
      skipLibCheck: true,
      jsx: t.JsxEmit.ReactJSX,
      jsxImportSource: "preact",
    };
    this.#ls = t.createLanguageService(this.#host(), libs.registry);
    this.update(input.cells);
  }

  /** The compiler options of every notebook (one registry key: parsed libraries are shared). */
  get settings(): ts.CompilerOptions {
    return this.#options;
  }

  update(cells: readonly VirtualCellInput[]): void {
    this.#inputs = cells.map((c) => ({ ...c }));
    this.#recompose();
  }

  complete(cellId: string, source: string, offset: number): CompletionResult {
    const cell = this.#withSource(cellId, source);
    const at = clamp(offset, source.length);
    const from = wordStart(source, at);
    if (!cell) return { items: [], from };
    const info = this.#ask(
      cellId,
      undefined,
      (ls) =>
        ls.getCompletionsAtPosition(cell.fileName, cell.prelude.length + at, {
          includeCompletionsWithInsertText: true,
          includeCompletionsForModuleExports: false,
          triggerCharacter: source[at - 1] === "." ? "." : undefined,
        }),
    );
    if (!info) return { items: [], from };
    const prefix = source.slice(from, at).toLowerCase();
    // Where TypeScript offers the globals (value or type position), offer upstream names too.
    const globalsOffered = !info.isMemberCompletion && info.entries.some((e) => e.name === "Array");
    const offered = globalsOffered ? this.#upstreamEntries(cellId, info.entries) : [];
    const entries = [...info.entries, ...offered]
      .filter((e) => !e.name.startsWith("__strata_up_"))
      .filter((e) => prefix === "" || isSubsequence(prefix, e.name.toLowerCase()))
      .sort((a, b) => a.sortText.localeCompare(b.sortText) || a.name.localeCompare(b.name))
      .slice(0, MAX_ITEMS);
    return {
      from,
      items: entries.map((e) => {
        const from = e.kind === "alias" || (e.kind as string) === "upstream"
          ? cell.upstream.get(e.name) ?? (e as { from?: string }).from
          : undefined;
        return from
          ? { label: e.name, kind: "upstream", detail: `from cell ${from}` }
          : { label: e.name, kind: e.kind };
      }),
    };
  }

  hover(cellId: string, source: string, offset: number): HoverResult {
    const cell = this.#withSource(cellId, source);
    if (!cell) return { text: null };
    const t = this.#ts;
    const q = this.#ask(
      cellId,
      undefined,
      (ls) =>
        ls.getQuickInfoAtPosition(
          cell.fileName,
          cell.prelude.length + clamp(offset, source.length),
        ),
    );
    if (!q) return { text: null };
    // Upstream names are imports in the virtual module: show the declaration, not the alias.
    const signature = t.displayPartsToString(q.displayParts)
      .replaceAll("__strata_up_", "")
      .replace(/^\(alias\) /, "")
      .replace(/\nimport [\w$]+$/, "");
    const docs = t.displayPartsToString(q.documentation);
    return { text: docs ? `${signature}\n\n${docs}` : signature || null };
  }

  definition(cellId: string, source: string, offset: number): DefinitionResult | null {
    const cell = this.#withSource(cellId, source);
    if (!cell) return null;
    const defs = this.#ask(
      cellId,
      undefined,
      (ls) =>
        ls.getDefinitionAtPosition(
          cell.fileName,
          cell.prelude.length + clamp(offset, source.length),
        ),
    ) ?? [];
    for (const d of defs) {
      const id = cellIdOfFile(d.fileName);
      const target = id ? this.#cells.get(id) : undefined;
      if (!target || d.textSpan.start < target.prelude.length) continue;
      const pos = lineColumn(target.source, d.textSpan.start - target.prelude.length);
      return { cellId: target.id, ...pos };
    }
    return null;
  }

  diagnostics(cellId: string): TypeDiagnostic[] {
    const cell = this.#cells.get(cellId);
    if (!cell || !this.#libs.haveTsLibs) return [];
    const t = this.#ts;
    const out: TypeDiagnostic[] = [];
    for (const d of this.#ask(cellId, [], (ls) => ls.getSemanticDiagnostics(cell.fileName))) {
      if (d.start === undefined || d.start < cell.prelude.length) continue;
      if (CANNOT_FIND_MODULE.has(d.code)) continue;
      const message = t.flattenDiagnosticMessageText(d.messageText, "\n");
      if (CANNOT_FIND_NAME.has(d.code)) {
        const name = /'([^']+)'/.exec(message)?.[1];
        if (name && cell.unresolved.has(name)) continue;
      }
      const start = d.start - cell.prelude.length;
      const pos = lineColumn(cell.source, start);
      const end = lineColumn(cell.source, start + (d.length ?? 0));
      out.push({
        severity: "warning",
        source: "types",
        code: `TS${d.code}`,
        message,
        ...pos,
        endLine: end.line,
        endColumn: end.column,
      });
    }
    return out;
  }

  dispose(): void {
    this.#ls?.dispose();
    this.#ls = null;
    this.#cells.clear();
    this.#byFile.clear();
    this.#inputs = [];
  }

  /**
   * Upstream names the cell does not read yet (its module imports only those it reads), offered
   * where TypeScript offers the globals, so `sa` completes to an upstream `sales`.
   */
  #upstreamEntries(
    cellId: string,
    entries: readonly ts.CompletionEntry[],
  ): (ts.CompletionEntry & { from: string })[] {
    const have = new Set(entries.map((e) => e.name));
    const scope = scopeBefore(this.#inputs, cellId, this.#space);
    const out: (ts.CompletionEntry & { from: string })[] = [];
    for (const [name, from] of scope.visible) {
      if (have.has(name)) continue;
      out.push({
        name,
        kind: "upstream" as ts.ScriptElementKind,
        kindModifiers: "",
        sortText: "11",
        from,
      });
    }
    return out;
  }

  /**
   * Runs a request on the service. A chain of inferred types deeper than the stack (cell 500 of
   * `v1 = v0 + 1`, `v2 = v1 + 2`, …, asked about before the cells above it were checked in this
   * program) overflows inside the checker and leaves it inconsistent: later answers would carry
   * false "referenced in its own initializer" warnings and no completions. Then a fresh service
   * checks the cells above in order (each type computed from the one above it, never deeply) and
   * the request runs again; if it still overflows, it gets `fallback`.
   */
  #ask<T>(cellId: string, fallback: T, request: (ls: ts.LanguageService) => T): T {
    try {
      return request(this.#service());
    } catch (err) {
      if (!isStackOverflow(err)) throw err;
    }
    try {
      this.#restart();
      for (const c of this.#cells.values()) { // notebook order
        if (c.id === cellId) break;
        this.#service().getSemanticDiagnostics(c.fileName);
      }
      return request(this.#service());
    } catch (err) {
      if (!isStackOverflow(err)) throw err;
      this.#restart();
      return fallback;
    }
  }

  /** A new checker over the same files (the old one is left inconsistent by an overflow). */
  #restart(): void {
    this.#service().dispose();
    this.#ls = this.#ts.createLanguageService(this.#host(), this.#libs.registry);
  }

  #service(): ts.LanguageService {
    if (!this.#ls) throw new Error("The language service of this notebook was disposed");
    return this.#ls;
  }

  /** The cell with `source` as its current text (re-composing when it differs). */
  #withSource(cellId: string, source: string): VirtualCell | undefined {
    const i = this.#inputs.findIndex((c) => c.id === cellId);
    if (i < 0 || this.#inputs[i].language !== "typescript") return undefined;
    const input = this.#inputs[i];
    if (input.source !== source) {
      const analysis = this.#analyzer.analyze(source);
      this.#inputs[i] = { ...input, source, analysis };
      if (
        input.analysis && sameNames({ ...input, analysis: input.analysis }, { source, analysis })
      ) {
        // Only this cell's module changes: the cells below see the same names.
        const scope = scopeBefore(this.#inputs, cellId, this.#space);
        const next = composeCell(this.#inputs[i], scope, this.#space);
        this.#cells.set(cellId, next);
        const prev = this.#byFile.get(next.fileName);
        if (!prev || prev.text !== next.text) {
          this.#byFile.set(next.fileName, { text: next.text, version: ++this.#versionSeq });
        }
      } else this.#recompose();
    }
    return this.#cells.get(cellId);
  }

  #recompose(): void {
    this.#cells = composeCells(this.#inputs, this.#space);
    const live = new Set<string>();
    for (const c of this.#cells.values()) {
      live.add(c.fileName);
      const prev = this.#byFile.get(c.fileName);
      if (!prev || prev.text !== c.text) {
        this.#byFile.set(c.fileName, { text: c.text, version: ++this.#versionSeq });
      }
    }
    for (const f of [...this.#byFile.keys()]) if (!live.has(f)) this.#byFile.delete(f);
  }

  #host(): ts.LanguageServiceHost {
    const t = this.#ts;
    const libs = this.#libs;
    const files = this.#byFile;
    const npmDir = this.#npmCacheDir ? this.#npmCacheDir + "/" : null;
    const snapshot = (f: string): ts.IScriptSnapshot | undefined => {
      const own = files.get(f);
      if (own) return t.ScriptSnapshot.fromString(own.text);
      if (npmDir && f.startsWith(npmDir)) {
        const text = readCachedFile(f);
        return text === undefined ? undefined : t.ScriptSnapshot.fromString(text);
      }
      return libs.snapshot(f);
    };
    return {
      getCompilationSettings: () => this.#options,
      getScriptFileNames: () => [...libs.rootFiles, ...files.keys()],
      getScriptVersion: (f) => String(files.get(f)?.version ?? 0),
      getScriptSnapshot: snapshot,
      getCurrentDirectory: () => VIRTUAL_ROOT,
      getDefaultLibFileName: (o) => `${libs.libDir}/${t.getDefaultLibFileName(o)}`,
      fileExists: (f) => files.has(f) || snapshot(f) !== undefined,
      readFile: (f) => {
        const s = snapshot(f);
        return s ? s.getText(0, s.getLength()) : undefined;
      },
      resolveModuleNameLiterals: (literals, containingFile) =>
        literals.map((lit) => ({
          resolvedModule: this.#resolve(lit.text, containingFile),
        })),
    };
  }

  #resolve(spec: string, containing: string): ts.ResolvedModuleFull | undefined {
    if (spec.startsWith("./") && containing.startsWith(VIRTUAL_ROOT)) {
      const fileName = containing.slice(0, containing.lastIndexOf("/") + 1) + spec.slice(2);
      if (!this.#byFile.has(fileName)) return undefined;
      return {
        resolvedFileName: fileName,
        extension: fileName.endsWith(".tsx") ? this.#ts.Extension.Tsx : this.#ts.Extension.Ts,
      };
    }
    return resolveNpmTypes(this.#ts, spec, containing, this.#options, this.#npmCacheDir);
  }
}

function isStackOverflow(err: unknown): boolean {
  return err instanceof RangeError && /call stack/i.test(err.message);
}

/** The editor's fuzzy matching keeps a name when the typed letters occur in it in order. */
function isSubsequence(typed: string, name: string): boolean {
  let j = 0;
  for (let i = 0; i < name.length && j < typed.length; i++) if (name[i] === typed[j]) j++;
  return j === typed.length;
}

function clamp(offset: number, length: number): number {
  return Math.max(0, Math.min(Number.isFinite(offset) ? Math.trunc(offset) : 0, length));
}

function wordStart(source: string, at: number): number {
  let i = at;
  while (i > 0 && /[\w$]/.test(source[i - 1])) i--;
  return i;
}

function lineColumn(source: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < source.length; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
