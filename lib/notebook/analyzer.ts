/**
 * Cell analyzer: what a TypeScript cell defines, reads, assigns and imports, without running it.
 * Built on the `typescript` compiler API, loaded lazily by `loadAnalyzer()` because importing it
 * costs ≈150 ms; everything after that is synchronous.
 *
 * "Global" rule: every free identifier of a cell is a reference candidate. Names on the
 * known-globals list go to `globalReferences` instead of `references`, purely to keep noise out;
 * the DAG wires both kinds to the most recent earlier cell that defines the name, so a cell that
 * defines `fetch` shadows the global for the cells below it.
 */
import type ts from "typescript";
import { knownTypeGlobals, knownValueGlobals } from "./_globals.ts";
import { walkCell } from "./_scope_walk.ts";
import type { Escape } from "./_mutation.ts";
import { loadTypeScript, type Ts, typeScriptNow } from "./_typescript.ts";
import { hashSourceFile } from "./source_hash.ts";

export type { Escape };

/** A problem found in a cell's source; line and column are 1-based. */
export interface CellDiagnostic {
  severity: "error" | "warning";
  code: string;
  message: string;
  line?: number;
  column?: number;
  /** Who found it: absent for analysis and the DAG; "types" for a type warning (issue 15). */
  source?: "types";
  /** End of the flagged span, when known (1-based; the column is exclusive). */
  endLine?: number;
  endColumn?: number;
}

/** Everything the DAG, provenance and display need to know about one TypeScript cell. */
export interface CellAnalysis {
  /** Top-level value bindings: const/let/var (incl. destructuring), function, class, enum, imports. */
  defines: string[];
  /** Top-level type-only bindings (interface, type alias, `import type`): never DAG edges. */
  typeDefines: string[];
  /** Free identifiers in value positions that are not known globals. */
  references: string[];
  /** Free identifiers that are known globals; wired only when an earlier cell defines them. */
  globalReferences: string[];
  /** Free identifiers used only in type positions (no edge). */
  typeOnlyReferences: string[];
  /**
   * Free names the cell assigns (`x = …`, `x++`) or changes in place (`x.k = …`, `x.push(…)`,
   * `delete x.k`): each is also in references and defines, so the cells below read the changed
   * value from this cell (issue 14 item 8).
   */
  mutates: string[];
  /** Free names passed to calls whose effect on them is unknown (known globals' calls skipped). */
  escapes: Escape[];
  /** Top-level names bound to values no call can change (primitive literals, functions, imports). */
  fixed: string[];
  /** Module specifiers of static imports, re-exports and literal dynamic `import("…")`. */
  imports: string[];
  /** Keys read through literal `Deno.env.get("X")` / `Deno.env.has("X")` calls. */
  envKeys: string[];
  /** Syntax errors (the tree is still analyzed, with the parser's recovery). */
  diagnostics: CellDiagnostic[];
  /** Span of a final top-level expression statement, for display. */
  lastExpression: { start: number; end: number } | null;
  hasTopLevelAwait: boolean;
  /** The cell contains JSX (it was parsed as TSX). */
  jsx: boolean;
  /** Normalized source hash (see source_hash.ts). */
  sourceHash: string;
}

/** Options for one analysis. */
export interface AnalyzeOptions {
  /** Parse as TSX; by default TS is tried first and TSX only when it parses with fewer errors. */
  jsx?: boolean;
}

/**
 * The analyzer's output version: bump it whenever `analyze` returns anything different for some
 * source (a field added or renamed, a walk that finds more or less, a new source hash). Persisted
 * analyses (analysis_cache.ts) of another version are misses. analysis_cache_test.ts pins a digest
 * of the output for a corpus of sources to this number and fails when one moves without the other.
 */
export const ANALYZER_VERSION = 1;

/** An analyzer; `analyze` is synchronous. */
export interface Analyzer {
  analyze(source: string, options?: AnalyzeOptions): CellAnalysis;
  /**
   * Gets ready to analyze `sources` without loading anything in `analyze`: a persistent cache
   * (analysis_cache.ts) reads their stored analyses and loads the parser only for the misses.
   * Optional to call: `analyze` works without it.
   */
  prepare(sources: Iterable<string>): Promise<void>;
}

/** Loads the TypeScript compiler API (once per process) and returns a synchronous analyzer. */
export async function loadAnalyzer(): Promise<Analyzer> {
  const t = await loadTypeScript();
  return createAnalyzer(t);
}

/** The analyzer over the compiler module now (loading it synchronously if nobody has yet). */
export function analyzerNow(): Analyzer {
  return createAnalyzer(typeScriptNow());
}

/** Analyzes one cell, loading the compiler API on first use. */
export async function analyzeCell(source: string, options?: AnalyzeOptions): Promise<CellAnalysis> {
  return (await loadAnalyzer()).analyze(source, options);
}

function createAnalyzer(t: Ts): Analyzer {
  const valueGlobals = knownValueGlobals();
  const typeGlobals = knownTypeGlobals();

  function parse(source: string, kind: ts.ScriptKind): ts.SourceFile {
    return t.createSourceFile("cell.ts", source, t.ScriptTarget.Latest, true, kind);
  }

  function analyze(source: string, options: AnalyzeOptions = {}): CellAnalysis {
    let sf = parse(source, options.jsx ? t.ScriptKind.TSX : t.ScriptKind.TS);
    if (options.jsx === undefined && parseErrors(sf).length > 0 && source.includes("<")) {
      const tsx = parse(source, t.ScriptKind.TSX);
      if (parseErrors(tsx).length < parseErrors(sf).length) sf = tsx;
    }
    const w = walkCell(t, sf);
    // In-place changes of known globals (`document.title = …`, `Deno.env.set(…)`) define nothing.
    for (const n of w.memberMutates) if (!valueGlobals.has(n)) w.mutates.add(n);
    const mutated = w.mutates;
    const escapes = w.escapes.filter((e) =>
      !mutated.has(e.name) && !valueGlobals.has(e.name) &&
      !(e.calleeRoot !== null && valueGlobals.has(e.calleeRoot))
    );
    const references = [...w.free].filter((n) => !valueGlobals.has(n) || w.mutates.has(n));
    const globalReferences = [...w.free].filter((n) => valueGlobals.has(n) && !w.mutates.has(n));
    const typeOnly = [...w.typeFree].filter((n) => !w.free.has(n) && !typeGlobals.has(n));
    return {
      defines: sorted([...w.defines, ...w.mutates]),
      typeDefines: sorted(w.typeDefines),
      references: sorted(references),
      globalReferences: sorted(globalReferences),
      typeOnlyReferences: sorted(typeOnly),
      mutates: sorted(w.mutates),
      escapes: escapes.filter((e, i) => escapes.findIndex((o) => o.name === e.name) === i),
      fixed: sorted(w.fixed),
      imports: sorted(w.imports),
      envKeys: sorted(w.envKeys),
      diagnostics: parseErrors(sf).map((d) => toDiagnostic(t, sf, d)),
      lastExpression: lastExpression(t, sf),
      hasTopLevelAwait: w.topLevelAwait,
      jsx: w.jsx,
      sourceHash: hashSourceFile(t, sf),
    };
  }
  return { analyze, prepare: () => Promise.resolve() };
}

function sorted(names: Iterable<string>): string[] {
  return [...new Set(names)].sort();
}

function parseErrors(sf: ts.SourceFile): readonly ts.DiagnosticWithLocation[] {
  // parseDiagnostics is not in the public typings but has been stable since TS 2.x; the public
  // route (a Program) would cost a full type-check setup per cell.
  return (sf as unknown as { parseDiagnostics?: ts.DiagnosticWithLocation[] }).parseDiagnostics ??
    [];
}

function toDiagnostic(t: Ts, sf: ts.SourceFile, d: ts.DiagnosticWithLocation): CellDiagnostic {
  const pos = sf.getLineAndCharacterOfPosition(d.start);
  const text = t.flattenDiagnosticMessageText(d.messageText, "\n");
  return {
    severity: "error",
    code: "syntax",
    message: `Syntax error at line ${pos.line + 1}, column ${pos.character + 1}: ${text}`,
    line: pos.line + 1,
    column: pos.character + 1,
  };
}

function lastExpression(t: Ts, sf: ts.SourceFile): { start: number; end: number } | null {
  const last = sf.statements[sf.statements.length - 1];
  if (!last || !t.isExpressionStatement(last)) return null;
  return { start: last.expression.getStart(sf), end: last.expression.end };
}
