/** Type positions of a cell: type names become type-only references, never DAG edges. */
import { type BNode, forEachChild } from "./_babel.ts";
import { isLocal, type Scope, scopeOf } from "./_scope.ts";

/** Callbacks into the value walker. */
export interface TypeWalkHooks {
  /** Resolves a type name against the scope chain, recording it when free. */
  readType(name: string, scope: Scope): void;
  /** Records a value name used only in a type query (`typeof x`). */
  freeType(name: string): void;
  /** Walks an expression found inside a type (computed property names). */
  visitValue(node: BNode, scope: Scope): void;
}

/** The type-position walker used by walkCell. */
export interface TypeWalker {
  visitType(node: BNode | null | undefined, scope: Scope): void;
  visitTypeParams(params: BNode | null | undefined, scope: Scope): void;
  leftmost(name: BNode): string;
}

/** A type parameter's name (a string in Babel 7, an identifier in Babel 8). */
function paramName(p: BNode): string {
  return typeof p.name === "string" ? p.name : p.name?.name ?? "";
}

/** A signature's parameters and return type (Babel 7 and Babel 8 field names). */
function signature(node: BNode): { params: BNode[]; returns: BNode | null } {
  return {
    params: node.parameters ?? node.params ?? [],
    returns: node.typeAnnotation ?? node.returnType ?? null,
  };
}

const HERITAGE = new Set([
  "TSExpressionWithTypeArguments",
  "TSClassImplements",
  "TSInterfaceHeritage",
]);
const SIGNATURES = new Set([
  "TSFunctionType",
  "TSConstructorType",
  "TSMethodSignature",
  "TSCallSignatureDeclaration",
  "TSConstructSignatureDeclaration",
]);

/** Builds the walker for type annotations, interfaces, aliases and type arguments. */
export function createTypeWalker(hooks: TypeWalkHooks): TypeWalker {
  const { readType } = hooks;

  /** Declares `<T, U extends …>` in `scope`, then walks their constraints and defaults. */
  function visitTypeParams(decl: BNode | null | undefined, scope: Scope): void {
    const params: BNode[] = decl?.params ?? [];
    for (const p of params) scope.types.add(paramName(p));
    for (const p of params) {
      visitType(p.constraint, scope);
      visitType(p.default, scope);
    }
  }

  function leftmost(name: BNode): string {
    let n = name;
    for (;;) {
      if (n.type === "TSQualifiedName") n = n.left;
      else if (n.type === "MemberExpression") n = n.object;
      else break;
    }
    return n.type === "Identifier" ? n.name : "";
  }

  function visitArgs(node: BNode, scope: Scope): void {
    for (const a of (node.typeParameters ?? node.typeArguments)?.params ?? []) visitType(a, scope);
  }

  /** Type positions: identifiers become type-only references, never DAG edges. */
  function visitType(node: BNode | null | undefined, scope: Scope): void {
    if (!node) return;
    const type = node.type;
    if (type === "TSTypeReference") {
      const name = leftmost(node.typeName);
      if (name) readType(name, scope);
      return visitArgs(node, scope);
    }
    if (HERITAGE.has(type)) {
      const name = leftmost(node.expression);
      if (name) readType(name, scope);
      return visitArgs(node, scope);
    }
    if (type === "TSTypeQuery") {
      const name = leftmost(node.exprName);
      if (name && !isLocal(name, scope)) hooks.freeType(name);
      return;
    }
    if (type === "Identifier") return;
    if (type === "TSInterfaceDeclaration") {
      const inner = scopeOf(scope);
      visitTypeParams(node.typeParameters, inner);
      for (const h of node.extends ?? []) visitType(h, inner);
      return visitType(node.body, inner);
    }
    if (type === "TSTypeAliasDeclaration") {
      const inner = scopeOf(scope);
      visitTypeParams(node.typeParameters, inner);
      return visitType(node.typeAnnotation, inner);
    }
    if (type === "TSMappedType") {
      const inner = scopeOf(scope);
      const p = node.typeParameter; // Babel 8: `key` and `constraint` on the node itself
      inner.types.add(p ? paramName(p) : node.key?.name ?? "");
      visitType(p ? p.constraint : node.constraint, inner);
      visitType(node.nameType, inner);
      return visitType(node.typeAnnotation, inner);
    }
    if (type === "TSConditionalType") {
      const inner = scopeOf(scope);
      (function infer(c: BNode): void {
        if (c.type === "TSInferType") inner.types.add(paramName(c.typeParameter));
        forEachChild(c, infer);
      })(node.extendsType);
      return forEachChild(node, (c) => visitType(c, inner));
    }
    if (type === "TSInferType") return;
    if (SIGNATURES.has(type)) {
      const inner = scopeOf(scope);
      visitTypeParams(node.typeParameters, inner);
      const { params, returns } = signature(node);
      for (const p of params) visitType(p.typeAnnotation ?? p.argument?.typeAnnotation, inner);
      return visitType(returns, inner);
    }
    if (type === "TSPropertySignature") {
      if (node.computed) hooks.visitValue(node.key, scope);
      return visitType(node.typeAnnotation, scope);
    }
    if (type === "TSIndexSignature") {
      for (const p of node.parameters ?? []) visitType(p.typeAnnotation, scope);
      return visitType(node.typeAnnotation, scope);
    }
    if (type === "TSNamedTupleMember") return visitType(node.elementType, scope);
    if (type === "TSImportType") return visitArgs(node, scope);
    forEachChild(node, (c) => visitType(c, scope));
  }
  return { visitType, visitTypeParams, leftmost };
}
