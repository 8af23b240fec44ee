/**
 * Mutation of values a cell did not declare (issue 14 item 8). A member assignment
 * (`conf.level = 3`), a `delete o.k` or a known mutating call (`items.push(1)`, `m.set(k, v)`,
 * `Object.assign(o, …)`) changes the value in place, so the cell becomes the definer of that name
 * for the cells below it. A value passed to a call the analyzer cannot see into is an "escape":
 * the cell gets a warning instead (see dag.ts).
 */
import type ts from "typescript";
import type { Ts } from "./_typescript.ts";

/** Methods that change their receiver (Array, Map, Set, typed arrays). */
const MUTATING_METHODS = new Set([
  "push",
  "pop",
  "shift",
  "unshift",
  "splice",
  "sort",
  "reverse",
  "fill",
  "copyWithin",
  "set",
  "delete",
  "clear",
  "add",
]);

/** Static functions that change their first argument. */
const MUTATING_STATICS = new Set([
  "Object.assign",
  "Object.defineProperty",
  "Object.defineProperties",
  "Object.setPrototypeOf",
  "Reflect.set",
  "Reflect.deleteProperty",
  "Reflect.defineProperty",
  "Reflect.setPrototypeOf",
]);

/** Methods that only read their receiver and arguments: passing a value to them is no escape. */
const READ_METHODS = new Set([
  "at",
  "concat",
  "entries",
  "every",
  "filter",
  "find",
  "findIndex",
  "findLast",
  "findLastIndex",
  "flat",
  "flatMap",
  "forEach",
  "get",
  "has",
  "includes",
  "indexOf",
  "join",
  "keys",
  "lastIndexOf",
  "map",
  "reduce",
  "reduceRight",
  "slice",
  "some",
  "toSorted",
  "toReversed",
  "toSpliced",
  "toString",
  "values",
  "with",
  "then",
  "catch",
  "finally",
  "log",
  "startsWith",
  "endsWith",
  "split",
  "replace",
  "replaceAll",
  "match",
  "test",
  "exec",
  "localeCompare",
  "format",
]);

/** A value passed to a call whose effect on it is unknown. */
export interface Escape {
  /** The top-level name whose value is passed. */
  name: string;
  /** The callee as written (`send`, `lib.update`). */
  callee: string;
  /** First identifier of the callee, so known globals (`console`, `JSON`) can be skipped. */
  calleeRoot: string | null;
  /** 1-based. */
  line: number;
  column: number;
}

/** The identifier an access chain starts from: `conf` for `conf.a[0].b`, else null. */
export function accessRoot(t: Ts, node: ts.Expression): ts.Identifier | null {
  let n: ts.Expression = node;
  for (;;) {
    if (t.isIdentifier(n)) return n;
    if (
      t.isPropertyAccessExpression(n) || t.isElementAccessExpression(n) ||
      t.isParenthesizedExpression(n) || t.isNonNullExpression(n) || t.isAsExpression(n) ||
      t.isSatisfiesExpression(n) || t.isTypeAssertionExpression(n)
    ) {
      n = n.expression;
      continue;
    }
    return null;
  }
}

/** What a call does to the names it touches: whose values it changes, which it lets escape. */
export function callEffect(
  t: Ts,
  sf: ts.SourceFile,
  call: ts.CallExpression,
): { mutates: ts.Identifier[]; escapes: Escape[] } {
  const callee = skipParens(t, call.expression);
  const mutates: ts.Identifier[] = [];
  if (t.isPropertyAccessExpression(callee)) {
    const method = callee.name.text;
    const recv = callee.expression;
    const staticName = t.isIdentifier(recv) ? `${recv.text}.${method}` : "";
    if (MUTATING_STATICS.has(staticName)) {
      const first = call.arguments[0];
      const root = first && !t.isSpreadElement(first) ? accessRoot(t, first) : null;
      if (root) mutates.push(root);
      return { mutates, escapes: [] };
    }
    if (MUTATING_METHODS.has(method)) {
      const root = accessRoot(t, recv);
      if (root) mutates.push(root);
      return { mutates, escapes: [] };
    }
    if (READ_METHODS.has(method)) return { mutates, escapes: [] };
  } else if (!t.isIdentifier(callee)) {
    return { mutates, escapes: [] };
  }
  const calleeRoot = accessRoot(t, callee)?.text ?? null;
  const escapes: Escape[] = [];
  for (const arg of call.arguments) {
    const expr = t.isSpreadElement(arg) ? arg.expression : arg;
    const root = accessRoot(t, expr);
    if (!root) continue;
    const pos = sf.getLineAndCharacterOfPosition(root.getStart(sf));
    escapes.push({
      name: root.text,
      callee: callee.getText(sf),
      calleeRoot,
      line: pos.line + 1,
      column: pos.character + 1,
    });
  }
  return { mutates, escapes };
}

/**
 * Top-level names whose values cannot be changed through a call: bound to a primitive literal,
 * a function, a class or an import. Passing them to a call is no escape.
 */
export function fixedTopLevel(t: Ts, sf: ts.SourceFile): Set<string> {
  const out = new Set<string>();
  for (const st of sf.statements) {
    if ((t.isFunctionDeclaration(st) || t.isClassDeclaration(st)) && st.name) out.add(st.name.text);
    else if (t.isImportDeclaration(st) && st.importClause) {
      const c = st.importClause;
      if (c.name) out.add(c.name.text);
      const nb = c.namedBindings;
      if (nb && t.isNamespaceImport(nb)) out.add(nb.name.text);
      else if (nb) { for (const e of nb.elements) out.add(e.name.text); }
    } else if (t.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) {
        if (t.isIdentifier(d.name) && d.initializer && isFixedValue(t, d.initializer)) {
          out.add(d.name.text);
        }
      }
    }
  }
  return out;
}

function isFixedValue(t: Ts, e: ts.Expression): boolean {
  const K = t.SyntaxKind;
  e = skipParens(t, e);
  if (t.isAsExpression(e) || t.isSatisfiesExpression(e)) return isFixedValue(t, e.expression);
  return t.isStringLiteralLike(e) || t.isNumericLiteral(e) || t.isBigIntLiteral(e) ||
    t.isTemplateExpression(e) || t.isArrowFunction(e) || t.isFunctionExpression(e) ||
    t.isClassExpression(e) || e.kind === K.TrueKeyword || e.kind === K.FalseKeyword ||
    e.kind === K.NullKeyword ||
    (t.isPrefixUnaryExpression(e) && t.isNumericLiteral(e.operand));
}

function skipParens(t: Ts, e: ts.Expression): ts.Expression {
  while (t.isParenthesizedExpression(e)) e = e.expression;
  return e;
}
