/**
 * Mutation of values a cell did not declare (issue 14 item 8). A member assignment
 * (`conf.level = 3`), a `delete o.k` or a known mutating call (`items.push(1)`, `m.set(k, v)`,
 * `Object.assign(o, …)`) changes the value in place, so the cell becomes the definer of that name
 * for the cells below it. A value passed to a call the analyzer cannot see into is an "escape":
 * the cell gets a warning instead (see dag.ts).
 */
import type { BNode } from "./_babel.ts";
import { unwrapExport } from "./_scope.ts";

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

/** Wrappers an access chain or a value passes through unchanged. */
const TRANSPARENT = new Set([
  "ParenthesizedExpression",
  "TSNonNullExpression",
  "TSAsExpression",
  "TSSatisfiesExpression",
  "TSTypeAssertion",
]);

/** True for `a.b`, `a[b]`, `a?.b` (and `a?.[b]`). */
export function isMember(node: BNode): boolean {
  return node.type === "MemberExpression" || node.type === "OptionalMemberExpression";
}

/** The identifier an access chain starts from: `conf` for `conf.a[0].b`, else null. */
export function accessRoot(node: BNode): BNode | null {
  let n: BNode = node;
  for (;;) {
    if (n.type === "Identifier") return n;
    if (isMember(n)) n = n.object;
    else if (TRANSPARENT.has(n.type)) n = n.expression;
    else return null;
  }
}

/** What a call does to the names it touches: whose values it changes, which it lets escape. */
export function callEffect(
  source: string,
  call: BNode,
): { mutates: BNode[]; escapes: Escape[] } {
  const callee = skipParens(call.callee);
  const mutates: BNode[] = [];
  if (isMember(callee) && !callee.computed) {
    const prop = callee.property;
    const method = prop.type === "PrivateName" ? `#${prop.id.name}` : prop.name;
    const recv = callee.object;
    const staticName = recv.type === "Identifier" ? `${recv.name}.${method}` : "";
    if (MUTATING_STATICS.has(staticName)) {
      const first = call.arguments[0];
      const root = first && first.type !== "SpreadElement" ? accessRoot(first) : null;
      if (root) mutates.push(root);
      return { mutates, escapes: [] };
    }
    if (MUTATING_METHODS.has(method)) {
      const root = accessRoot(recv);
      if (root) mutates.push(root);
      return { mutates, escapes: [] };
    }
    if (READ_METHODS.has(method)) return { mutates, escapes: [] };
  } else if (callee.type !== "Identifier") {
    return { mutates, escapes: [] };
  }
  const calleeRoot = accessRoot(callee)?.name ?? null;
  const escapes: Escape[] = [];
  for (const arg of call.arguments) {
    const expr = arg.type === "SpreadElement" ? arg.argument : arg;
    const root = accessRoot(expr);
    if (!root) continue;
    escapes.push({
      name: root.name,
      callee: source.slice(callee.start, callee.end),
      calleeRoot,
      line: root.loc.start.line,
      column: root.loc.start.column + 1,
    });
  }
  return { mutates, escapes };
}

/**
 * Top-level names whose values cannot be changed through a call: bound to a primitive literal,
 * a function, a class or an import. Passing them to a call is no escape.
 */
export function fixedTopLevel(statements: readonly BNode[]): Set<string> {
  const out = new Set<string>();
  for (const outer of statements) {
    const st = unwrapExport(outer);
    if (!st) continue;
    if (
      (st.type === "FunctionDeclaration" || st.type === "TSDeclareFunction" ||
        st.type === "ClassDeclaration") && st.id
    ) {
      out.add(st.id.name);
    } else if (st.type === "ImportDeclaration") {
      for (const s of st.specifiers ?? []) out.add(s.local.name);
    } else if (st.type === "VariableDeclaration") {
      for (const d of st.declarations) {
        if (d.id.type === "Identifier" && d.init && isFixedValue(d.init)) out.add(d.id.name);
      }
    }
  }
  return out;
}

const FIXED_VALUES = new Set([
  "StringLiteral",
  "NumericLiteral",
  "BigIntLiteral",
  "TemplateLiteral",
  "ArrowFunctionExpression",
  "FunctionExpression",
  "ClassExpression",
  "BooleanLiteral",
  "NullLiteral",
]);

function isFixedValue(e: BNode): boolean {
  e = skipParens(e);
  if (e.type === "TSAsExpression" || e.type === "TSSatisfiesExpression") {
    return isFixedValue(e.expression);
  }
  return FIXED_VALUES.has(e.type) ||
    (e.type === "UnaryExpression" && "-+!~".includes(e.operator) &&
      e.argument.type === "NumericLiteral");
}

/** `e` without the parentheses around it. */
export function skipParens(e: BNode): BNode {
  while (e.type === "ParenthesizedExpression") e = e.expression;
  return e;
}
