/** Scopes and the declarations that fill them: block-scoped lists, `var` hoisting, imports. */
import type ts from "typescript";
import type { Ts } from "./_typescript.ts";

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
export function isAmbient(t: Ts, node: ts.Node): boolean {
  const mods = t.canHaveModifiers(node) ? t.getModifiers(node) : undefined;
  return mods?.some((m) => m.kind === t.SyntaxKind.DeclareKeyword) ?? false;
}

/** Declares every name of a binding (identifier or nested destructuring pattern). */
export function declareBinding(t: Ts, name: ts.BindingName, scope: Scope): void {
  if (t.isIdentifier(name)) {
    scope.values.add(name.text);
    return;
  }
  for (const el of name.elements) if (!t.isOmittedExpression(el)) declareBinding(t, el.name, scope);
}

/** let/const/using (not var). */
export function isBlockScopedList(t: Ts, list: ts.VariableDeclarationList): boolean {
  return (list.flags & t.NodeFlags.BlockScoped) !== 0;
}

/** let/const/class/function/import/enum/namespace/type declarations directly in a list. */
export function collectLexical(t: Ts, statements: readonly ts.Statement[], scope: Scope): void {
  for (const st of statements) {
    if (t.isVariableStatement(st)) {
      if (isBlockScopedList(t, st.declarationList) && !isAmbient(t, st)) {
        for (const d of st.declarationList.declarations) declareBinding(t, d.name, scope);
      }
    } else if (t.isFunctionDeclaration(st) || t.isClassDeclaration(st)) {
      if (st.name && !isAmbient(t, st)) {
        scope.values.add(st.name.text);
        if (t.isClassDeclaration(st)) scope.types.add(st.name.text);
      }
    } else if (t.isEnumDeclaration(st) || t.isModuleDeclaration(st)) {
      if (t.isIdentifier(st.name) && !isAmbient(t, st)) {
        scope.values.add(st.name.text);
        scope.types.add(st.name.text);
      }
    } else if (t.isInterfaceDeclaration(st) || t.isTypeAliasDeclaration(st)) {
      scope.types.add(st.name.text);
    } else if (t.isImportDeclaration(st)) {
      declareImport(t, st, scope);
    } else if (t.isImportEqualsDeclaration(st)) {
      (st.isTypeOnly ? scope.types : scope.values).add(st.name.text);
    }
  }
}

/** Import bindings: values, or types only for `import type` / `type` specifiers. */
export function declareImport(t: Ts, st: ts.ImportDeclaration, scope: Scope): void {
  const clause = st.importClause;
  if (!clause) return;
  const add = (name: string, typeOnly: boolean) =>
    (typeOnly ? scope.types : scope.values).add(name);
  if (clause.name) add(clause.name.text, clause.isTypeOnly);
  const nb = clause.namedBindings;
  if (nb && t.isNamespaceImport(nb)) add(nb.name.text, clause.isTypeOnly);
  if (nb && t.isNamedImports(nb)) {
    for (const s of nb.elements) add(s.name.text, clause.isTypeOnly || s.isTypeOnly);
  }
}

/** `var` declarations anywhere below a function or module body, stopping at nested functions. */
export function collectVars(t: Ts, node: ts.Node, scope: Scope): void {
  t.forEachChild(node, function each(child): void {
    if (t.isFunctionLike(child) || t.isClassLike(child)) return;
    if (t.isVariableDeclarationList(child) && !isBlockScopedList(t, child)) {
      if (!(child.parent && isAmbient(t, child.parent))) {
        for (const d of child.declarations) declareBinding(t, d.name, scope);
      }
    }
    t.forEachChild(child, each);
  });
}
