/**
 * TypeScript cells as JavaScript with the same positions (issue 20): the types blanked out with
 * spaces (line breaks kept), so that such a cell can also run as a function body (see scriptSafe
 * in _cell_syntax.ts and compileScript in _runner.ts) and every line and column stays the cell's.
 *
 * Only syntax that carries no runtime meaning is erased: annotations, type parameters and
 * arguments, `as` / `satisfies` / `!`, interfaces, type aliases, overloads, `declare`d and
 * abstract members, member modifiers, `implements`. Anything with runtime meaning (enums,
 * namespaces, parameter properties, decorators) or where blanking could join two statements
 * (`<T>x` assertions) gives null: the cell keeps Deno's transpile. A statement erased whole leaves
 * a `;`, so the lines around it stay apart.
 *
 * And a net under all of it: the erased text is parsed again as JavaScript, and its tree must be
 * the TypeScript tree without its types, node for node. A difference (an automatic semicolon that
 * now falls elsewhere, a case missed here) gives null.
 */
import type { Program } from "./_cell_syntax.ts";
import { META_FIELDS } from "../notebook/_babel.ts";

type N = { type: string; start: number; end: number } & Record<string, unknown>;

/** TypeScript-only statements and class members, erased whole. */
const ERASED_WHOLE = new Set([
  "TSInterfaceDeclaration",
  "TSTypeAliasDeclaration",
  "TSDeclareFunction",
  "TSDeclareMethod",
  "TSIndexSignature",
]);
/** Syntax with runtime meaning, or which blanking could change: the cell keeps the module path. */
const REFUSED = new Set([
  "TSEnumDeclaration",
  "TSModuleDeclaration",
  "TSImportEqualsDeclaration",
  "TSExportAssignment",
  "TSNamespaceExportDeclaration",
  "TSParameterProperty",
  "TSTypeAssertion",
  "Decorator",
  "ClassAccessorProperty",
  "JSXElement",
  "JSXFragment",
]);
/** Expressions whose TypeScript part is after their `expression`. */
const WRAPPERS = new Set([
  "TSAsExpression",
  "TSSatisfiesExpression",
  "TSNonNullExpression",
  "TSInstantiationExpression",
]);
/** Properties holding type syntax only. */
const TYPE_KEYS = new Set([
  "typeAnnotation",
  "returnType",
  "typeParameters",
  "typeArguments",
  "superTypeParameters",
  "superTypeArguments",
  "implements",
]);
/** Properties the two trees may differ in without a difference in meaning. */
const IGNORED_KEYS = new Set([
  ...TYPE_KEYS,
  ...META_FIELDS.filter((k) => k !== "type"),
  "declare",
  "definite",
  "abstract",
  "accessibility",
  "readonly",
  "override",
]);
const CLASS_MEMBERS = new Set([
  "ClassProperty",
  "ClassMethod",
  "ClassPrivateProperty",
  "ClassPrivateMethod",
]);
const MODIFIER = /\b(?:public|private|protected|readonly|override|abstract)\b/g;

/**
 * The cell's text with its types blanked, or null when that cannot be done without a doubt.
 * `parseJs` parses JavaScript (no TypeScript plugin) and returns null on any error.
 */
export function eraseTypes(
  program: Program,
  text: string,
  parseJs: (text: string) => Program | null,
): string | null {
  const out = text.split("");
  const blank = (from: number, to: number) => {
    for (let i = from; i < to; i++) if (out[i] !== "\n" && out[i] !== "\r") out[i] = " ";
  };
  const erasedWhole = (n: N) => {
    blank(n.start, n.end);
    out[n.start] = ";";
  };
  /** Blanks the one character `ch` expected after `from` (spaces between allowed). */
  const blankMark = (from: number, ch: string): boolean => {
    let i = from;
    while (i < text.length && /\s/.test(text[i])) i++;
    if (text[i] !== ch) return false;
    out[i] = " ";
    return true;
  };
  let changed = false;
  const stack: N[] = [program as unknown as N];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (REFUSED.has(n.type)) return null;
    if (
      ERASED_WHOLE.has(n.type) || n.declare === true || (n.abstract && n.type === "ClassProperty")
    ) {
      erasedWhole(n);
      changed = true;
      continue;
    }
    if (WRAPPERS.has(n.type)) {
      const inner = n.expression as N;
      if (n.type === "TSNonNullExpression") {
        if (text[n.end - 1] !== "!") return null;
        out[n.end - 1] = " ";
      } else if (n.type === "TSInstantiationExpression") {
        const args = (n.typeParameters ?? n.typeArguments) as N | undefined;
        if (!args) return null;
        blank(args.start, args.end);
      } else blank(inner.end, n.end);
      changed = true;
      stack.push(inner);
      continue;
    }
    if (n.type.startsWith("TS")) return null; // a TypeScript node this walk does not know
    if (n.type === "Identifier") {
      if (n.name === "this" && n.typeAnnotation) return null; // `this` parameter
      const nameEnd = n.start + String(n.name).length;
      if (n.optional && !blankMark(nameEnd, "?")) return null;
      if (n.definite && !blankMark(nameEnd, "!")) return null;
    } else if (n.optional && n.type.endsWith("Pattern")) return null;
    if (n.type === "VariableDeclarator" && n.definite) {
      const id = n.id as N; // `let x!: T`
      if (id.type !== "Identifier" || !blankMark(id.start + String(id.name).length, "!")) {
        return null;
      }
    }
    if (n.abstract && (n.type === "ClassDeclaration" || n.type === "ClassExpression")) {
      const at = text.indexOf("class", n.start);
      if (at < 0) return null;
      blankModifiers(text, n.start, at, blank);
      changed = true;
    }
    if (CLASS_MEMBERS.has(n.type)) {
      const key = n.key as N | undefined;
      if (key) {
        if (blankModifiers(text, n.start, key.start, blank)) changed = true;
        let after = key.end;
        if (n.computed) {
          after = text.indexOf("]", key.end) + 1;
          if (after === 0) return null;
        }
        if (n.optional && !blankMark(after, "?")) return null;
        if (n.definite && !blankMark(after, "!")) return null;
      }
    }
    for (const key in n) {
      const v = n[key];
      if (TYPE_KEYS.has(key)) {
        if (!v) continue;
        if (key === "implements") {
          const list = v as N[];
          if (list.length === 0) continue;
          const at = text.lastIndexOf("implements", list[0].start);
          if (at < n.start) return null;
          blank(at, list[list.length - 1].end);
        } else blank((v as N).start, (v as N).end);
        changed = true;
        continue;
      }
      if (key === "loc" || key === "extra") continue;
      if (Array.isArray(v)) {
        for (const c of v) if (isNode(c)) stack.push(c);
      } else if (isNode(v)) stack.push(v);
    }
  }
  if (!changed) return null;
  const erased = out.join("");
  const js = parseJs(erased);
  return js && same(program as unknown as N, js as unknown as N) ? erased : null;
}

function isNode(v: unknown): v is N {
  return typeof v === "object" && v !== null && typeof (v as N).type === "string";
}

/** Blanks TypeScript's member and class modifiers in [from, to); whether any were found. */
function blankModifiers(
  text: string,
  from: number,
  to: number,
  blank: (from: number, to: number) => void,
): boolean {
  let found = false;
  for (const m of text.slice(from, to).matchAll(MODIFIER)) {
    blank(from + m.index, from + m.index + m[0].length);
    found = true;
  }
  return found;
}

/** A node of the TypeScript tree as its JavaScript counterpart would be (wrappers removed). */
function unwrap(n: N): N {
  while (WRAPPERS.has(n.type)) n = n.expression as N;
  return n;
}

/** Whether a list element of the TypeScript tree has no JavaScript counterpart. */
function erasedElement(n: N): boolean {
  return ERASED_WHOLE.has(n.type) || n.declare === true ||
    (n.abstract === true && n.type === "ClassProperty") || n.type === "EmptyStatement";
}

/** Whether the JavaScript tree `b` is the TypeScript tree `a` without its types. */
function same(a: N, b: N): boolean {
  a = unwrap(a);
  if (a.type !== b.type) return false;
  if ((a.type === "Identifier" || a.type.endsWith("Literal")) && a.start !== b.start) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    if (IGNORED_KEYS.has(key)) continue;
    if (key === "optional" && !a.type.startsWith("Optional")) continue;
    const x = a[key], y = b[key];
    if (Array.isArray(x) || Array.isArray(y)) {
      if (!Array.isArray(x) || !Array.isArray(y)) return false;
      const xs = x.filter((e) => !(isNode(e) && erasedElement(e)));
      const ys = y.filter((e) => !(isNode(e) && e.type === "EmptyStatement"));
      if (xs.length !== ys.length) return false;
      for (let i = 0; i < xs.length; i++) {
        if (!sameValue(xs[i], ys[i])) return false;
      }
    } else if (!sameValue(x, y)) return false;
  }
  return true;
}

function sameValue(x: unknown, y: unknown): boolean {
  if (isNode(x) || isNode(y)) return isNode(x) && isNode(y) && same(x, y);
  if (typeof x === "object" && x !== null && typeof y === "object" && y !== null) {
    return JSON.stringify(x) === JSON.stringify(y); // e.g. a regex literal's { pattern, flags }
  }
  return (x ?? null) === (y ?? null) || (x === false && y === undefined) ||
    (x === undefined && y === false);
}
