/**
 * What the cell module builder (cell_module.ts) reads of a cell's `@babel/parser` tree: the first
 * error that counts, the final expression to display, local import specifiers to rewrite, and the
 * names the cell declares at top level.
 */
import type { ParseResult } from "@babel/parser";
import { pathToFileURL } from "node:url";
export { finalExpression, firstError } from "../notebook/_babel.ts";
import { type BNode, forEachChild } from "../notebook/_babel.ts";
import { patternNames } from "../notebook/_scope.ts";

/** The parsed cell. */
export type Program = ParseResult["program"];
type Statement = Program["body"][number];
/** Any node of Babel's tree, as far as the walks here read it. */
interface Node {
  type: string;
  start?: number | null;
  end?: number | null;
}

/** Offsets where lines start (line breaks as TypeScript and V8 count them). */
export function lineStarts(text: string): number[] {
  const starts = [0];
  const re = /\r\n?|[\n\u2028\u2029]/g;
  for (let m = re.exec(text); m; m = re.exec(text)) starts.push(m.index + m[0].length);
  return starts;
}

export function lineAndCharacter(
  starts: number[],
  pos: number,
): { line: number; character: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= pos) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, character: pos - starts[lo] };
}

/** Could the text hold a `./x` or `../x` specifier (a quote, dots, slash; or an escape)? */
const MAYBE_LOCAL = /["'`]\.\.?\/|\\/;

/** Rewrites `./x` and `../x` import specifiers to file URLs under `baseDir`. */
export function rewriteLocalImports(
  program: Program,
  text: string,
  baseDir: string,
): { text: string; edits: { pos: number; delta: number }[]; moved: (pos: number) => number } {
  const found: { start: number; end: number; value: string }[] = [];
  if (MAYBE_LOCAL.test(text)) visit(program, found);
  const base = pathToFileURL(baseDir.endsWith("/") ? baseDir : baseDir + "/");
  const local = found.filter((n) => n.value.startsWith("./") || n.value.startsWith("../"))
    .sort((a, b) => a.start - b.start);
  let out = "";
  let at = 0;
  const edits: { pos: number; delta: number }[] = [];
  /** Where each replaced literal ended in the parsed text, and the shift after it. */
  const shifts: { end: number; shift: number }[] = [];
  for (const n of local) {
    const literal = JSON.stringify(new URL(n.value, base).href);
    const oldLength = n.end - n.start;
    out += text.slice(at, n.start);
    // Recorded where the literal starts in the new text; positions after it map back.
    edits.push({ pos: out.length, delta: literal.length - oldLength });
    out += literal;
    at = n.end;
    shifts.push({ end: n.end, shift: out.length - at });
  }
  const moved = (pos: number) => {
    let shift = 0;
    for (const s of shifts) if (s.end <= pos) shift = s.shift;
    return pos + shift;
  };
  return { text: out + text.slice(at), edits, moved };
}

/** Collects module specifiers: static imports, exports from, and `import("...")` anywhere. */
function visit(node: Node, found: { start: number; end: number; value: string }[]): void {
  const n = node as Node & Record<string, unknown>;
  if (
    n.type === "ImportDeclaration" || n.type === "ExportNamedDeclaration" ||
    n.type === "ExportAllDeclaration"
  ) {
    const s = n.source as (Node & { value?: unknown }) | null | undefined;
    if (s?.type === "StringLiteral") found.push(literal(s));
  } else if (n.type === "CallExpression" && (n.callee as Node).type === "Import") {
    const arg = (n.arguments as (Node & Record<string, unknown>)[])[0];
    if (arg?.type === "StringLiteral") found.push(literal(arg));
    else if (
      arg?.type === "TemplateLiteral" && (arg.expressions as unknown[]).length === 0
    ) {
      const cooked = (arg.quasis as { value: { cooked?: string | null } }[])[0].value.cooked;
      if (typeof cooked === "string") {
        found.push({ start: arg.start!, end: arg.end!, value: cooked });
      }
    }
  }
  forEachChild(n as BNode, (c) => visit(c, found));
}

function literal(n: Node & { value?: unknown }): { start: number; end: number; value: string } {
  return { start: n.start!, end: n.end!, value: String(n.value) };
}

export function topLevelNames(program: Program): string[] {
  const names: string[] = [];
  const declaration = (st: Statement): void => {
    switch (st.type) {
      case "VariableDeclaration":
        for (const d of st.declarations) patternNames(d.id as unknown as BNode, names);
        break;
      case "FunctionDeclaration":
      case "TSDeclareFunction":
      case "ClassDeclaration":
      case "TSEnumDeclaration":
      case "TSImportEqualsDeclaration":
        if (st.id) names.push(st.id.name);
        break;
      case "ImportDeclaration":
        if (st.importKind === "type" || st.importKind === "typeof") break;
        for (const s of st.specifiers) {
          if (
            s.type !== "ImportSpecifier" || (s.importKind !== "type" && s.importKind !== "typeof")
          ) {
            names.push(s.local.name);
          }
        }
        break;
      case "ExportNamedDeclaration":
      case "ExportDefaultDeclaration":
        if (st.declaration) declaration(st.declaration as Statement);
        break;
    }
  };
  for (const st of program.body) declaration(st);
  return [...new Set(names)];
}

/** Node types of Babel's tree that plain JavaScript, as V8 parses it, does not have. */
const NOT_JS_TYPES = new Set([
  "Decorator", // V8 has no decorators yet: Deno transpiles them in a .ts module only
  "ClassAccessorProperty", // `accessor x`, part of the decorators proposal
]);

/** Properties that only TypeScript's syntax sets (a JS tree has them absent, false or null). */
const TS_KEYS = [
  "typeAnnotation",
  "typeParameters",
  "typeArguments",
  "returnType",
  "superTypeParameters",
  "superTypeArguments",
  "implements",
  "accessibility",
  "abstract",
  "declare",
  "definite",
  "override",
  "readonly",
  "predicate",
];

/**
 * Whether the cell's tree is plain JavaScript, so that its module can be written as `.js` and
 * imported without Deno's TypeScript transpile and emit file (issue 20: a fresh trivial module's
 * import took 0.64–0.70 ms as `.js` against 1.0–1.1 ms as `.ts`). Conservative: any node type the
 * TypeScript plugin adds (`TS…`), any TypeScript-only property or modifier, type-only imports and
 * exports, optional parameters, decorators, `import source` and `assert` attributes keep `.ts`.
 * Among them `a<b>(c)`, which JavaScript reads as two comparisons and TypeScript as a call with
 * a type argument: its tree has a `TSTypeParameterInstantiation`, so it stays `.ts` and means what
 * it meant.
 */
export function plainJavaScript(program: Program): boolean {
  return !someNode(program, (n) => {
    if (n.type.startsWith("TS") || NOT_JS_TYPES.has(n.type)) return true;
    if (TS_KEYS.some((key) => n[key])) return true;
    // `x?` on a parameter or property (optional chaining's `optional` is on its own node types).
    if (
      n.optional && n.type !== "OptionalMemberExpression" && n.type !== "OptionalCallExpression"
    ) {
      return true;
    }
    if (n.importKind === "type" || n.importKind === "typeof" || n.exportKind === "type") {
      return true;
    }
    if (n.phase) return true; // `import source x from …`
    return (n.extra as { deprecatedAssertSyntax?: boolean } | undefined)?.deprecatedAssertSyntax ===
      true;
  });
}

/** Whether any node of the tree (the program included) satisfies `test`. */
function someNode(program: Program, test: (n: Node & Record<string, unknown>) => boolean): boolean {
  const stack: (Node & Record<string, unknown>)[] = [
    program as unknown as Node & Record<string, unknown>,
  ];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (test(n)) return true;
    forEachChild(n as BNode, (c) => stack.push(c));
  }
  return false;
}

/** Identifiers a function body reads differently from a module's top level. */
const FUNCTION_SCOPED = new Set(["arguments", "eval"]);
/** Syntax only a module has: imports and exports of any kind, `import.meta`. */
const MODULE_ONLY = new Set([
  "ImportDeclaration",
  "ExportNamedDeclaration",
  "ExportDefaultDeclaration",
  "ExportAllDeclaration",
  "Import",
  "ImportExpression",
  "MetaProperty",
]);

/**
 * Whether plain JavaScript (see plainJavaScript) may run as the body of an async function compiled
 * in the runner's realm instead of as a module (issue 20: 0.02 ms against 1–2 ms for writing and
 * importing a fresh module). Only where the two mean the same: no import or export of any kind
 * (static, dynamic, `import.meta`), no `arguments` or `eval` (a function body has its own), and no
 * text a classic script reads differently (`<!--` and `-->` comments) or that renames the code
 * for stack traces (`sourceURL`). The runner compiles with V8; whatever it refuses runs as a module.
 */
export function scriptSafe(program: Program, text: string): boolean {
  if (/<!--|-->|sourceURL|sourceMappingURL/.test(text)) return false;
  return !someNode(program, (n) =>
    MODULE_ONLY.has(n.type) ||
    (n.type === "Identifier" && FUNCTION_SCOPED.has(n.name as string)));
}
