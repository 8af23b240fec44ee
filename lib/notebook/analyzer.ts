/**
 * Cell analyzer: what a TypeScript cell defines, reads, assigns and imports, without running it.
 * Built on `@babel/parser` (`_babel.ts`; the cell module builder parses with the same options),
 * loaded lazily by `loadAnalyzer()` (≈11 ms); everything after that is synchronous. The
 * TypeScript compiler is loaded only for type-aware editing (lib/langservice).
 *
 * "Global" rule: every free identifier of a cell is a reference candidate. Names on the
 * known-globals list go to `globalReferences` instead of `references`, purely to keep noise out;
 * the DAG wires both kinds to the most recent earlier cell that defines the name, so a cell that
 * defines `fetch` shadows the global for the cells below it.
 */
import type { ParseResult, ParserOptions } from "@babel/parser";
import { knownTypeGlobals, knownValueGlobals } from "./_globals.ts";
import { walkCell } from "./_scope_walk.ts";
import type { Escape } from "./_mutation.ts";
import {
  type Babel,
  type BabelError,
  babelNow,
  type BNode,
  CELL_PARSE_OPTIONS,
  CELL_PARSE_OPTIONS_JSX,
  errorText,
  finalExpression,
  loadBabel,
  parseErrors,
} from "./_babel.ts";
import { hashProgram, unparsedHash } from "./source_hash.ts";

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
export const ANALYZER_VERSION = 2;

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

/** The process's one plain analyzer (it holds the known-globals sets, built once). */
let shared: Analyzer | undefined;

/** Loads the cell parser (once per process) and returns the synchronous analyzer. */
export async function loadAnalyzer(): Promise<Analyzer> {
  const babel = await loadBabel();
  return shared ??= createAnalyzer(babel);
}

/** The analyzer over the parser now (required synchronously if nobody has loaded it yet). */
export function analyzerNow(): Analyzer {
  return shared ??= createAnalyzer(babelNow());
}

/** Analyzes one cell, loading the parser on first use. */
export async function analyzeCell(source: string, options?: AnalyzeOptions): Promise<CellAnalysis> {
  return (await loadAnalyzer()).analyze(source, options);
}

/** One parse: the tree (null when the parser gave up) and the errors that count. */
interface Parse {
  parsed: ParseResult | null;
  errors: BabelError[];
  /** The parser ran out of stack: the cell nests too deeply to read. */
  tooDeep?: boolean;
}

/** What a cell nested too deeply to parse is told (the module builder, which parses with the same
 * parser, cannot build it either). */
const TOO_DEEP: CellDiagnostic = {
  severity: "error",
  code: "syntax",
  message: "This cell nests its expressions too deeply to be read (the parser ran out of stack): " +
    "split the expression into steps",
  line: 1,
  column: 1,
};

function createAnalyzer(babel: Babel): Analyzer {
  const valueGlobals = knownValueGlobals();
  const typeGlobals = knownTypeGlobals();

  function parse(source: string, jsx: boolean): Parse {
    const options = jsx ? CELL_PARSE_OPTIONS_JSX : CELL_PARSE_OPTIONS;
    try {
      const parsed = babel.parse(source, options);
      return { parsed, errors: parseErrors(parsed) };
    } catch (e) {
      // Not a syntax error: the parser ran out of stack (expressions nested thousands deep).
      if (!(e instanceof SyntaxError)) return { parsed: null, errors: [], tooDeep: true };
      if (source.length > RECOVER_MAX_CHARS) return { parsed: null, errors: [e as BabelError] };
      return recover(babel, source, options, e as BabelError);
    }
  }
  /** Fewer errors is better; a parse that gave up is worst. */
  const badness = (p: Parse) => p.parsed ? p.errors.length : Number.MAX_SAFE_INTEGER;

  function analyze(source: string, options: AnalyzeOptions = {}): CellAnalysis {
    let p = parse(source, options.jsx ?? false);
    if (options.jsx === undefined && badness(p) > 0 && source.includes("<")) {
      const tsx = parse(source, true);
      if (badness(tsx) < badness(p)) p = tsx;
    }
    const diagnostics = p.tooDeep ? [TOO_DEEP] : p.errors.map(toDiagnostic);
    if (!p.parsed) return unreadable(source, diagnostics);
    const program = p.parsed.program as unknown as BNode;
    let w: ReturnType<typeof walkCell>;
    let sourceHash: string;
    try {
      w = walkCell(program, source);
      sourceHash = hashProgram(program, p.errors);
    } catch (err) {
      // A tree deeper than the walks' stack, or a recovered tree that lacks what a valid one
      // always has: the cell cannot run either way.
      if (err instanceof RangeError) return unreadable(source, [TOO_DEEP]);
      if (p.errors.length === 0) throw err;
      return unreadable(source, diagnostics);
    }
    if (p.errors.length > 0) forgetMissing(w);
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
      diagnostics,
      lastExpression: finalExpression(p.parsed.program) ?? null,
      hasTopLevelAwait: w.topLevelAwait,
      jsx: w.jsx,
      sourceHash,
    };
  }
  return { analyze, prepare: () => Promise.resolve() };
}

/**
 * The name a patch puts where a name or an operand is missing; left out of every analysis (a cell
 * that uses it itself loses only that name).
 */
const MISSING = "__strata_missing__";
/** What is tried, in turn, where the parser gave up inside the text: a missing operand or name, a
 * closer, a separator. */
const PATCHES = [` ${MISSING} `, ") ", "] ", "} ", "; "];
const MAX_PATCHES = 8;
/**
 * Larger broken cells are not patched: recovery parses a cell up to ≈85 times (8 patches of ≤ 6
 * tries, then ≤ 35 endings) on the server's thread, so its size is bounded: ≈400 lines, more than
 * a person types into one cell, parsed in ≈0.3–0.5 ms (docs/security.md).
 */
const RECOVER_MAX_CHARS = 16 * 1024;
/** What is tried, in turn, where the parse stopped at the end (before what closes the brackets). */
const ENDINGS = [
  "",
  ` ${MISSING} `,
  " {}",
  "(){}",
  ` ${MISSING}(){}`,
  ` : ${MISSING} `,
  ` ${MISSING} : ${MISSING} `,
];

/**
 * A tree for a cell Babel gave up on (an error it does not recover from, as while the user is
 * still typing `const a = b +`), so that a half-typed cell still defines and reads what it did and
 * the cells below keep their edges (TypeScript's parser, used before, recovered with missing
 * nodes). Where the parse stopped inside the text, the first patch from PATCHES that lets it get
 * further is inserted there, up to MAX_PATCHES times; where it stopped at the end, what closes the
 * open brackets (after a missing operand or a missing body) is appended. The diagnostics are the
 * first stop, in the cell's own coordinates, and the errors recovered before it; the tree's
 * positions after a patch are off by its length, on that line.
 */
function recover(babel: Babel, source: string, options: ParserOptions, first: BabelError): Parse {
  const stop = first.pos ?? 0;
  const done = (parsed: ParseResult): Parse => ({
    parsed,
    errors: [first, ...parseErrors(parsed).filter((e) => (e.pos ?? 0) < stop)],
  });
  let text = source;
  let at = stop;
  let stopped: BabelError = first;
  for (let i = 0; i < MAX_PATCHES; i++) {
    if (text.slice(at).trim() === "") {
      const close = closers(text);
      // Each ending after each number of the closers: `g(n` in `{ return n ? g(n` needs `)`, then
      // ` : x`, then `}`.
      for (const end of ENDINGS) {
        for (const k of new Set([0, 1, 2, 3, close.length].filter((k) => k <= close.length))) {
          try {
            return done(babel.parse(text + close.slice(0, k) + end + close.slice(k), options));
          } catch {
            // the next ending
          }
        }
      }
      break;
    }
    let next: { text: string; stop: number; error: BabelError } | undefined;
    // What the parser said it expected (`Unexpected token, expected "{"`) first.
    const hint = /expected "([^"]{1,3})"/.exec(stopped.message)?.[1];
    for (const patch of hint ? [` ${hint} `, ...PATCHES] : PATCHES) {
      const patched = text.slice(0, at) + patch + text.slice(at);
      try {
        return done(babel.parse(patched, options));
      } catch (e) {
        const pos = (e as BabelError).pos ?? 0;
        if (pos > at + patch.length) {
          next = { text: patched, stop: pos, error: e as BabelError };
          break;
        }
      }
    }
    if (!next) break;
    ({ text, stop: at, error: stopped } = next);
  }
  return { parsed: null, errors: [first] };
}

/** What closes the brackets `text` leaves open (strings, templates and comments skipped roughly). */
function closers(text: string): string {
  const open: string[] = [];
  const pairs: Record<string, string> = { "(": ")", "[": "]", "{": "}" };
  let quote = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = "";
      continue;
    }
    if (c === '"' || c === "'" || c === "`") quote = c;
    else if (c === "/" && text[i + 1] === "/") {
      i = text.indexOf("\n", i) < 0 ? text.length : text.indexOf("\n", i);
    } else if (c === "/" && text[i + 1] === "*") {
      i = text.indexOf("*/", i + 2) < 0 ? text.length : text.indexOf("*/", i + 2) + 1;
    } else if (pairs[c]) open.push(pairs[c]);
    else if (c === ")" || c === "]" || c === "}") open.pop();
  }
  return (quote ? quote : "") + open.reverse().join("");
}

/** Leaves the patches' placeholder name out of a walk's sets. */
function forgetMissing(w: ReturnType<typeof walkCell>): void {
  for (
    const set of [w.defines, w.typeDefines, w.free, w.typeFree, w.mutates, w.memberMutates, w.fixed]
  ) {
    set.delete(MISSING);
  }
  w.escapes = w.escapes.filter((e) => e.name !== MISSING);
}

/** A cell the parser could not read at all: no names, its error, a hash of its text. */
function unreadable(source: string, diagnostics: CellDiagnostic[]): CellAnalysis {
  return emptyAnalysis(unparsedHash(source), diagnostics);
}

/**
 * An analysis that defines, reads and imports nothing: a cell the parser could not read, one too
 * large to parse, a prompt cell's base. `more` sets fields on top (a prompt's references, say).
 */
export function emptyAnalysis(
  sourceHash: string,
  diagnostics: CellDiagnostic[],
  more: Partial<CellAnalysis> = {},
): CellAnalysis {
  return {
    defines: [],
    typeDefines: [],
    references: [],
    globalReferences: [],
    typeOnlyReferences: [],
    mutates: [],
    escapes: [],
    fixed: [],
    imports: [],
    envKeys: [],
    diagnostics,
    lastExpression: null,
    hasTopLevelAwait: false,
    jsx: false,
    sourceHash,
    ...more,
  };
}

function sorted(names: Iterable<string>): string[] {
  return [...new Set(names)].sort();
}

function toDiagnostic(e: BabelError): CellDiagnostic {
  const line = e.loc?.line ?? 1;
  const column = (e.loc?.column ?? 0) + 1;
  return {
    severity: "error",
    code: "syntax",
    message: `Syntax error at line ${line}, column ${column}: ${errorText(e)}`,
    line,
    column,
  };
}
