/** Scopes and the declarations that fill them: block-scoped lists, `var` hoisting, imports. */
import { type BNode, forEachChild } from "./_babel.ts";

/** One lexical scope: value names and type names declared directly in it. */
export interface Scope {
  values: Set<string>;
  types: Set<string>;
  parent: Scope | null;
}

/** A new empty scope under `parent`. */
export function scopeOf(parent: Scope | null): Scope {
  return { values: new Set(), types: new Set(), parent };
}

/** True when `name` is declared as a value in `scope` or an enclosing one. */
export function isLocal(name: string, scope: Scope | null): boolean {
  for (let s = scope; s; s = s.parent) if (s.values.has(name)) return true;
  return false;
}

/** True for `declare …` declarations: they emit nothing, so they define nothing. */
export function isAmbient(node: BNode): boolean {
  return node.declare === true;
}

/** Every name a binding declares (identifier, nested destructuring pattern, parameter), in order. */
export function patternNames(p: BNode | null, out: string[] = []): string[] {
  if (!p) return out;
  switch (p.type) {
    case "Identifier":
      out.push(p.name);
      break;
    case "ObjectPattern":
      for (const prop of p.properties) {
        patternNames(prop.type === "RestElement" ? prop.argument : prop.value, out);
      }
      break;
    case "ArrayPattern":
      for (const el of p.elements) patternNames(el, out);
      break;
    case "AssignmentPattern":
      patternNames(p.left, out);
      break;
    case "RestElement":
      patternNames(p.argument, out);
      break;
    case "TSParameterProperty":
      patternNames(p.parameter, out);
      break;
  }
  return out;
}

/** Declares every name of a binding in `scope`. */
export function declareBinding(p: BNode | null, scope: Scope): void {
  for (const name of patternNames(p)) scope.values.add(name);
}

/** let/const/using (not var). */
export function isBlockScopedList(decl: BNode): boolean {
  return decl.kind !== "var";
}

/** The declaration an `export` statement carries, or the statement itself. */
export function unwrapExport(st: BNode): BNode | null {
  if (st.type === "ExportNamedDeclaration" || st.type === "ExportDefaultDeclaration") {
    return st.declaration ?? null;
  }
  return st;
}

/** let/const/class/function/import/enum/namespace/type declarations directly in a list. */
export function collectLexical(statements: readonly BNode[], scope: Scope): void {
  for (const outer of statements) {
    const st = unwrapExport(outer);
    if (!st) continue;
    switch (st.type) {
      case "VariableDeclaration":
        if (isBlockScopedList(st) && !isAmbient(st)) {
          for (const d of st.declarations) declareBinding(d.id, scope);
        }
        break;
      case "FunctionDeclaration":
      case "TSDeclareFunction":
      case "ClassDeclaration":
        if (st.id && !isAmbient(st)) {
          scope.values.add(st.id.name);
          if (st.type === "ClassDeclaration") scope.types.add(st.id.name);
        }
        break;
      case "TSEnumDeclaration":
      case "TSModuleDeclaration":
        if (st.id?.type === "Identifier" && !isAmbient(st)) {
          scope.values.add(st.id.name);
          scope.types.add(st.id.name);
        }
        break;
      case "TSInterfaceDeclaration":
      case "TSTypeAliasDeclaration":
        if (st.id) scope.types.add(st.id.name);
        break;
      case "ImportDeclaration":
        declareImport(st, scope);
        break;
      case "TSImportEqualsDeclaration":
        if (st.id) (st.importKind === "type" ? scope.types : scope.values).add(st.id.name);
        break;
    }
  }
}

/** Import bindings: values, or types only for `import type` / `type` specifiers. */
export function declareImport(st: BNode, scope: Scope): void {
  const allTypes = st.importKind === "type" || st.importKind === "typeof";
  for (const s of st.specifiers ?? []) {
    const typeOnly = allTypes || s.importKind === "type" || s.importKind === "typeof";
    (typeOnly ? scope.types : scope.values).add(s.local.name);
  }
}

const FUNCTION_OR_CLASS = new Set([
  "FunctionDeclaration",
  "FunctionExpression",
  "ArrowFunctionExpression",
  "ObjectMethod",
  "ClassMethod",
  "ClassPrivateMethod",
  "TSDeclareFunction",
  "TSDeclareMethod",
  "ClassDeclaration",
  "ClassExpression",
]);

/** `var` declarations anywhere below a function or module body, stopping at nested functions. */
export function collectVars(node: BNode, scope: Scope): void {
  forEachChild(node, function each(child): void {
    if (FUNCTION_OR_CLASS.has(child.type)) return;
    if (child.type === "VariableDeclaration" && !isBlockScopedList(child) && !isAmbient(child)) {
      for (const d of child.declarations) declareBinding(d.id, scope);
    }
    forEachChild(child, each);
  });
}
