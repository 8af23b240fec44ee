/**
 * Turns a cell's TypeScript source into the ES module a child imports (runs in the server).
 *
 * Layout, chosen so cell lines keep their numbers: line 1 starts with a prelude that binds the
 * upstream inputs as `let` variables (so a cell may reassign them), then the cell's own first
 * line; a final top-level expression statement is wrapped in a display call on its own lines;
 * a trailer on a new last line hands the requested outputs back as thunks. Imports keep
 * working because ESM hoists them. Each inserted text is recorded so positions in the module map
 * back to cell-relative lines and columns.
 *
 * Parsed with `@babel/parser` (its `typescript` plugin), not the TypeScript compiler: running a
 * cell of a re-opened notebook (analyses read from the cache) then loads no compiler at all
 * (≈34 MiB and 3–4× Babel's load CPU; docs/performance.md, branch `cellbabel`).
 */

import type { ParseResult, ParserOptions } from "@babel/parser";
import { RUNTIME_KEY } from "./protocol.ts";
import { type Babel, CELL_PARSE_OPTIONS, loadBabel } from "../notebook/_babel.ts";
import {
  finalExpression,
  firstError,
  lineAndCharacter,
  lineStarts,
  plainJavaScript,
  type Program,
  rewriteLocalImports,
  scriptSafe,
  topLevelNames,
} from "./_cell_syntax.ts";
import { eraseTypes } from "./_erase_types.ts";

/** Text the builder inserted into a line of the module (module coordinates, 1-based). */
export interface Insertion {
  line: number;
  column: number;
  length: number;
}

/** A built module and how to map its positions back to the cell. */
export interface CellModule {
  code: string;
  insertions: Insertion[];
  /** Top-level names the cell declares itself. */
  declared: string[];
  /** Whether the last statement is displayed. */
  displaysLast: boolean;
  /** Plain JavaScript (written as `.js`, imported without a TypeScript transpile). */
  js: boolean;
  /**
   * Whether the cell may run as a function body, not a module (see scriptSafe): `true` with
   * `code` itself (plain JavaScript), the code to run so when it is TypeScript with its types
   * erased (_erase_types.ts), `false` when it runs as a module.
   */
  script: boolean | string;
}

/** Options for buildCellModule. */
export interface BuildOptions {
  /** Names to bind from the job's inputs (skipped when the cell declares them itself). */
  inputs: string[];
  /** Names to hand back after the cell ran. */
  outputs: string[];
  /** Display the final expression. @default true */
  displayLast?: boolean;
  /**
   * The notebook folder: relative import specifiers (`./helper.ts`) are rewritten to its file
   * URLs, since the module itself is written to a scratch folder (issue 14 item 5).
   */
  baseDir?: string;
}

/** A syntax error, at a cell-relative position. */
export interface SyntaxProblem {
  message: string;
  line: number;
  column: number;
}

/** What buildCellModule returns. */
export type BuildOutcome = { ok: true; module: CellModule } | { ok: false; error: SyntaxProblem };

const RT = "__strata$";
const IDENT_RE = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

const PARSE_OPTIONS = CELL_PARSE_OPTIONS;

/** Loads the cell parser (`@babel/parser`) once; later calls reuse it. */
export const loadCellParser: () => Promise<Babel> = loadBabel;

/**
 * Where the cell's final top-level expression statement's expression is (offsets into `source`,
 * a leading `#!` read as a comment), as buildCellModule wraps it; undefined when the cell does
 * not end in one or does not parse.
 */
export async function finalExpressionRange(
  source: string,
): Promise<{ start: number; end: number } | undefined> {
  const babel = await loadCellParser();
  const text = source.startsWith("#!") ? "//" + source.slice(2) : source;
  try {
    const parsed = babel.parse(text, PARSE_OPTIONS);
    return firstError(parsed) ? undefined : finalExpression(parsed.program);
  } catch {
    return undefined;
  }
}

/** Builds the child module for a cell, or reports its first syntax error. */
export async function buildCellModule(
  source: string,
  options: BuildOptions,
): Promise<BuildOutcome> {
  const babel = await loadCellParser();
  for (const n of [...options.inputs, ...options.outputs]) {
    if (!IDENT_RE.test(n)) throw new TypeError(`Cannot bind '${n}': not an identifier`);
  }
  let text = source.startsWith("#!") ? "//" + source.slice(2) : source;
  let parsed: ParseResult;
  try {
    parsed = babel.parse(text, PARSE_OPTIONS);
  } catch (e) {
    return { ok: false, error: syntaxProblem(e, text) };
  }
  const error = firstError(parsed);
  if (error) return { ok: false, error: syntaxProblem(error, text) };
  const program = parsed.program;
  const rewrites = options.baseDir ? rewriteLocalImports(program, text, options.baseDir) : null;
  /** A position in the parsed text -> the same position in the (rewritten) module body. */
  let moved = (pos: number) => pos;
  if (rewrites && rewrites.edits.length > 0) {
    text = rewrites.text;
    moved = rewrites.moved;
  }
  const lines = lineStarts(text);
  const declared = topLevelNames(program);
  const own = new Set(declared);
  const bound = [...new Set(options.inputs)].filter((n) => !own.has(n));
  const prelude = `const ${RT} = globalThis[Symbol.for(${JSON.stringify(RUNTIME_KEY)})];` +
    (bound.length ? ` let ${bound.map((n) => `${n} = ${RT}.input("${n}")`).join(", ")};` : "") +
    " ";
  const insertions: Insertion[] = [{ line: 1, column: 1, length: prelude.length }];
  for (const e of rewrites?.edits ?? []) {
    if (e.delta <= 0) continue;
    const p = lineAndCharacter(lines, e.pos);
    const shift = p.line === 0 ? prelude.length : 0;
    insertions.push({ line: p.line + 1, column: p.character + 1 + shift, length: e.delta });
  }

  let wrapLast = (t: string) => t;
  const last = finalExpression(program);
  const displaysLast = (options.displayLast ?? true) && last !== undefined;
  if (last && displaysLast) {
    const start = moved(last.start);
    const end = moved(last.end);
    const open = `${RT}.last((`;
    const close = "))";
    wrapLast = (t) => t.slice(0, start) + open + t.slice(start, end) + close + t.slice(end);
    const s = lineAndCharacter(lines, start);
    const e = lineAndCharacter(lines, end);
    const shift = (line: number) => (line === 0 ? prelude.length : 0);
    insertions.push({
      line: s.line + 1,
      column: s.character + 1 + shift(s.line),
      length: open.length,
    });
    const endShift = shift(e.line) + (e.line === s.line ? open.length : 0);
    insertions.push({ line: e.line + 1, column: e.character + 1 + endShift, length: close.length });
  }
  const outs = options.outputs.map((n) => `${JSON.stringify(n)}: () => ${n}`).join(", ");
  // issue 16: every declared name, for the variables panel (read after the run, never stored).
  const peek = declared.map((n) => `${JSON.stringify(n)}: () => ${n}`).join(", ");
  const moduleOf = (t: string) => `${prelude}${wrapLast(t)}\n;${RT}.done({${outs}}, {${peek}});\n`;
  const code = moduleOf(text);
  const js = plainJavaScript(program);
  let script: boolean | string = false;
  if (scriptSafe(program, text)) {
    if (js) script = true;
    else {
      // TypeScript: its types blanked out, positions kept (_erase_types.ts), or the module path.
      const erased = eraseTypes(program, text, (t) => parseJavaScript(babel, t));
      if (erased !== null) script = moduleOf(erased);
    }
  }
  return { ok: true, module: { code, insertions, declared, displaysLast, js, script } };
}

/** JavaScript options: the cell parser's without TypeScript. */
const JS_PARSE_OPTIONS: ParserOptions = {
  ...PARSE_OPTIONS,
  plugins: (PARSE_OPTIONS.plugins ?? []).filter((p) => p !== "typescript"),
};

/** `text` parsed as JavaScript, or null when it has any error. */
function parseJavaScript(babel: Babel, text: string): Program | null {
  try {
    const parsed = babel.parse(text, JS_PARSE_OPTIONS);
    return firstError(parsed) ? null : parsed.program;
  } catch {
    return null;
  }
}

/** Maps a 1-based module position back to the cell's own line and column. */
export function mapPosition(
  module: CellModule,
  line: number,
  column: number,
): { line: number; column: number } {
  let col = column;
  const onLine = module.insertions.filter((i) => i.line === line).sort((a, b) =>
    b.column - a.column
  );
  for (const ins of onLine) {
    if (col >= ins.column + ins.length) col -= ins.length;
    else if (col >= ins.column) col = ins.column;
  }
  return { line, column: Math.max(1, col) };
}

/** Babel's error (message ends in "(line:column)") as a cell-relative problem. */
function syntaxProblem(e: unknown, text: string): SyntaxProblem {
  if (!(e instanceof SyntaxError)) throw e;
  const at = (e as { loc?: { line: number; column: number; index?: number } }).loc;
  const message = e.message.replace(/ \(\d+:\d+\)$/, "");
  if (!at) return { message, line: 1, column: 1 };
  // Babel counts lines as TypeScript does (\r\n, \n, \r, U+2028, U+2029) and columns in UTF-16.
  const p = at.index === undefined ? { line: at.line - 1, character: at.column } : lineAndCharacter(
    lineStarts(text),
    at.index,
  );
  return { message, line: p.line + 1, column: p.character + 1 };
}
