/**
 * Turns a cell's TypeScript source into the ES module a child imports (runs in the server).
 *
 * Layout, chosen so cell lines keep their numbers: line 1 starts with a prelude that binds the
 * upstream inputs as `let` variables (so a cell may reassign them), then the cell's own first
 * line; a final top-level expression statement is wrapped in a display call on its own lines;
 * a trailer on a new last line hands the requested outputs back as thunks. Imports keep
 * working because ESM hoists them. Each inserted text is recorded so positions in the module map
 * back to cell-relative lines and columns.
 */

import type * as TS from "typescript";
import { pathToFileURL } from "node:url";
import { RUNTIME_KEY } from "./protocol.ts";

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

let tsPromise: Promise<typeof TS> | undefined;

/** Loads the TypeScript parser once (about 150 ms); later calls reuse it. */
export function loadParser(): Promise<typeof TS> {
  tsPromise ??= import("typescript").then((m) => (m.default ?? m) as typeof TS);
  return tsPromise;
}

/** Builds the child module for a cell, or reports its first syntax error. */
export async function buildCellModule(
  source: string,
  options: BuildOptions,
): Promise<BuildOutcome> {
  const ts = await loadParser();
  for (const n of [...options.inputs, ...options.outputs]) {
    if (!IDENT_RE.test(n)) throw new TypeError(`Cannot bind '${n}': not an identifier`);
  }
  let text = source.startsWith("#!") ? "//" + source.slice(2) : source;
  let sf = ts.createSourceFile("cell.ts", text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const diags = (sf as unknown as { parseDiagnostics?: TS.Diagnostic[] }).parseDiagnostics ?? [];
  if (diags.length > 0) {
    const d = diags[0];
    const pos = sf.getLineAndCharacterOfPosition(d.start ?? 0);
    const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    return { ok: false, error: { message, line: pos.line + 1, column: pos.character + 1 } };
  }
  const rewrites = options.baseDir ? rewriteLocalImports(ts, sf, text, options.baseDir) : null;
  if (rewrites && rewrites.edits.length > 0) {
    text = rewrites.text;
    sf = ts.createSourceFile("cell.ts", text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  }
  const declared = topLevelNames(ts, sf);
  const own = new Set(declared);
  const bound = [...new Set(options.inputs)].filter((n) => !own.has(n));
  const prelude = `const ${RT} = globalThis[Symbol.for(${JSON.stringify(RUNTIME_KEY)})];` +
    (bound.length ? ` let ${bound.map((n) => `${n} = ${RT}.input("${n}")`).join(", ")};` : "") +
    " ";
  const insertions: Insertion[] = [{ line: 1, column: 1, length: prelude.length }];
  for (const e of rewrites?.edits ?? []) {
    const p = sf.getLineAndCharacterOfPosition(e.pos);
    const shift = p.line === 0 ? prelude.length : 0;
    insertions.push({ line: p.line + 1, column: p.character + 1 + shift, length: e.delta });
  }

  let body = text;
  const last = sf.statements.at(-1);
  const displaysLast = (options.displayLast ?? true) && last !== undefined &&
    ts.isExpressionStatement(last);
  if (displaysLast) {
    const expr = (last as TS.ExpressionStatement).expression;
    const start = expr.getStart(sf);
    const open = `${RT}.last((`;
    const close = "))";
    body = text.slice(0, start) + open + text.slice(start, expr.end) + close + text.slice(expr.end);
    const s = sf.getLineAndCharacterOfPosition(start);
    const e = sf.getLineAndCharacterOfPosition(expr.end);
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
  const code = `${prelude}${body}\n;${RT}.done({${outs}});\n`;
  return { ok: true, module: { code, insertions, declared, displaysLast } };
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

/** Rewrites `./x` and `../x` import specifiers to file URLs under `baseDir`. */
function rewriteLocalImports(
  ts: typeof TS,
  sf: TS.SourceFile,
  text: string,
  baseDir: string,
): { text: string; edits: { pos: number; delta: number }[] } {
  const found: TS.StringLiteralLike[] = [];
  const visit = (node: TS.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) found.push(node.moduleSpecifier);
    else if (
      ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] && ts.isStringLiteralLike(node.arguments[0])
    ) found.push(node.arguments[0]);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  const base = pathToFileURL(baseDir.endsWith("/") ? baseDir : baseDir + "/");
  const local = found.filter((n) => n.text.startsWith("./") || n.text.startsWith("../"))
    .sort((a, b) => a.getStart(sf) - b.getStart(sf));
  let out = "";
  let at = 0;
  const edits: { pos: number; delta: number }[] = [];
  for (const n of local) {
    const start = n.getStart(sf);
    const literal = JSON.stringify(new URL(n.text, base).href);
    const oldLength = n.end - start;
    out += text.slice(at, start);
    // Recorded where the literal starts in the new text; positions after it map back.
    if (literal.length > oldLength) {
      edits.push({ pos: out.length, delta: literal.length - oldLength });
    }
    out += literal;
    at = n.end;
  }
  return { text: out + text.slice(at), edits };
}

function topLevelNames(ts: typeof TS, sf: TS.SourceFile): string[] {
  const names: string[] = [];
  const bindings = (n: TS.BindingName) => {
    if (ts.isIdentifier(n)) names.push(n.text);
    else {for (const el of n.elements) {
        if (!ts.isOmittedExpression(el)) bindings(el.name);
      }}
  };
  for (const st of sf.statements) {
    if (ts.isVariableStatement(st)) {
      st.declarationList.declarations.forEach((d) => bindings(d.name));
    } else if (
      (ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isEnumDeclaration(st)) &&
      st.name
    ) names.push(st.name.text);
    else if (ts.isImportDeclaration(st) && st.importClause && !st.importClause.isTypeOnly) {
      const c = st.importClause;
      if (c.name) names.push(c.name.text);
      const nb = c.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) names.push(nb.name.text);
      else if (nb) nb.elements.forEach((e) => !e.isTypeOnly && names.push(e.name.text));
    } else if (ts.isImportEqualsDeclaration(st)) names.push(st.name.text);
  }
  return [...new Set(names)];
}
