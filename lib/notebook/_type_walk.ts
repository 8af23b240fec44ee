/** Type positions of a cell: type names become type-only references, never DAG edges. */
import type ts from "typescript";
import { isLocal, type Scope, scopeOf } from "./_scope.ts";
import type { Ts } from "./_typescript.ts";

/** Callbacks into the value walker. */
export interface TypeWalkHooks {
  /** Resolves a type name against the scope chain, recording it when free. */
  readType(name: string, scope: Scope): void;
  /** Records a value name used only in a type query (`typeof x`). */
  freeType(name: string): void;
  /** Walks an expression found inside a type (computed property names). */
  visitValue(node: ts.Node, scope: Scope): void;
}

/** The type-position walker used by walkCell. */
export interface TypeWalker {
  visitType(node: ts.Node, scope: Scope): void;
  visitTypeParams(params: readonly ts.TypeParameterDeclaration[] | undefined, scope: Scope): void;
  leftmost(name: ts.EntityName | ts.Expression): string;
}

/** Builds the walker for type annotations, interfaces, aliases and type arguments. */
export function createTypeWalker(t: Ts, hooks: TypeWalkHooks): TypeWalker {
  const { readType } = hooks;
  function visitTypeParams(
    params: readonly ts.TypeParameterDeclaration[] | undefined,
    scope: Scope,
  ) {
    for (const p of params ?? []) scope.types.add(p.name.text);
    for (const p of params ?? []) {
      if (p.constraint) visitType(p.constraint, scope);
      if (p.default) visitType(p.default, scope);
    }
  }

  function leftmost(name: ts.EntityName | ts.Expression): string {
    let n: ts.Node = name;
    for (;;) {
      if (t.isQualifiedName(n)) n = n.left;
      else if (t.isPropertyAccessExpression(n)) n = n.expression;
      else break;
    }
    return t.isIdentifier(n) ? n.text : "";
  }

  /** Type positions: identifiers become type-only references, never DAG edges. */
  function visitType(node: ts.Node, scope: Scope): void {
    if (t.isTypeReferenceNode(node)) {
      const name = leftmost(node.typeName);
      if (name) readType(name, scope);
      for (const a of node.typeArguments ?? []) visitType(a, scope);
      return;
    }
    if (t.isExpressionWithTypeArguments(node)) {
      const name = leftmost(node.expression);
      if (name) readType(name, scope);
      for (const a of node.typeArguments ?? []) visitType(a, scope);
      return;
    }
    if (t.isTypeQueryNode(node)) {
      const name = leftmost(node.exprName);
      if (name && !isLocal(name, scope)) hooks.freeType(name);
      return;
    }
    if (t.isIdentifier(node)) return;
    if (t.isInterfaceDeclaration(node) || t.isTypeAliasDeclaration(node)) {
      const inner = scopeOf(scope);
      visitTypeParams(node.typeParameters, inner);
      t.forEachChild(
        node,
        (c) => c !== node.name && !t.isTypeParameterDeclaration(c) && visitType(c, inner),
      );
      return;
    }
    if (t.isMappedTypeNode(node)) {
      const inner = scopeOf(scope);
      visitTypeParams([node.typeParameter], inner);
      t.forEachChild(node, (c) => c !== node.typeParameter && visitType(c, inner));
      return;
    }
    if (t.isConditionalTypeNode(node)) {
      const inner = scopeOf(scope);
      t.forEachChild(node.extendsType, function infer(c): void {
        if (t.isInferTypeNode(c)) inner.types.add(c.typeParameter.name.text);
        t.forEachChild(c, infer);
      });
      if (t.isInferTypeNode(node.extendsType)) {
        inner.types.add(node.extendsType.typeParameter.name.text);
      }
      t.forEachChild(node, (c) => visitType(c, inner));
      return;
    }
    if (t.isInferTypeNode(node)) return;
    if (
      t.isFunctionTypeNode(node) || t.isConstructorTypeNode(node) || t.isMethodSignature(node) ||
      t.isCallSignatureDeclaration(node) || t.isConstructSignatureDeclaration(node)
    ) {
      const inner = scopeOf(scope);
      visitTypeParams(node.typeParameters, inner);
      for (const p of node.parameters) if (p.type) visitType(p.type, inner);
      if (node.type) visitType(node.type, inner);
      return;
    }
    if (t.isPropertySignature(node) || t.isIndexSignatureDeclaration(node)) {
      if (t.isPropertySignature(node) && node.name && t.isComputedPropertyName(node.name)) {
        hooks.visitValue(node.name.expression, scope);
      }
      if (t.isIndexSignatureDeclaration(node)) {
        for (const p of node.parameters) if (p.type) visitType(p.type, scope);
      }
      if (node.type) visitType(node.type, scope);
      return;
    }
    if (t.isNamedTupleMember(node)) return visitType(node.type, scope);
    if (t.isImportTypeNode(node)) {
      for (const a of node.typeArguments ?? []) visitType(a, scope);
      return;
    }
    t.forEachChild(node, (c) => visitType(c, scope));
  }
  return { visitType, visitTypeParams, leftmost };
}
