/**
 * Scope walk behind the analyzer: declares every binding in the scope it belongs to (with `var`
 * and function hoisting), then resolves each identifier in a value or type position. Names that
 * resolve nowhere are the cell's free names; names declared in the cell's own top-level scope are
 * its definitions.
 */
import type ts from "typescript";

import {
  collectLexical,
  collectVars,
  declareBinding,
  isAmbient,
  isBlockScopedList,
  isLocal,
  type Scope,
  scopeOf,
} from "./_scope.ts";
import type { Ts } from "./_typescript.ts";
import { createTypeWalker } from "./_type_walk.ts";
import { accessRoot, callEffect, type Escape, fixedTopLevel } from "./_mutation.ts";

/** Raw sets collected from one cell's syntax tree. */
export interface WalkResult {
  defines: Set<string>;
  typeDefines: Set<string>;
  free: Set<string>;
  typeFree: Set<string>;
  mutates: Set<string>;
  /** Free names whose values the cell changes in place (`o.k = 1`, `a.push(1)`, `delete o.k`). */
  memberMutates: Set<string>;
  /** Free names passed to calls whose effect is unknown (issue 14 item 8). */
  escapes: Escape[];
  /** Top-level names bound to values a call cannot change (primitives, functions, imports). */
  fixed: Set<string>;
  imports: Set<string>;
  envKeys: Set<string>;
  topLevelAwait: boolean;
  jsx: boolean;
}

/** Walks a parsed cell and returns what it declares, reads, assigns and imports. */
export function walkCell(t: Ts, sf: ts.SourceFile): WalkResult {
  const K = t.SyntaxKind;
  const out: WalkResult = {
    defines: new Set(),
    typeDefines: new Set(),
    free: new Set(),
    typeFree: new Set(),
    mutates: new Set(),
    memberMutates: new Set(),
    escapes: [],
    fixed: new Set(),
    imports: new Set(),
    envKeys: new Set(),
    topLevelAwait: false,
    jsx: false,
  };
  let fnDepth = 0;

  function readValue(name: string, scope: Scope): void {
    // Error recovery yields identifiers with empty text ("Identifier expected").
    if (name && !isLocal(name, scope)) out.free.add(name);
  }
  function readType(name: string, scope: Scope): void {
    for (let s: Scope | null = scope; s; s = s.parent) {
      if (s.types.has(name) || s.values.has(name)) return;
    }
    out.typeFree.add(name);
  }
  function assignName(name: string, scope: Scope): void {
    if (!name || isLocal(name, scope)) return;
    out.free.add(name);
    out.mutates.add(name);
  }
  function mutateInPlace(root: ts.Identifier | null, scope: Scope): void {
    if (!root || !root.text || isLocal(root.text, scope)) return;
    out.free.add(root.text);
    out.memberMutates.add(root.text);
  }
  function visitPropertyName(name: ts.PropertyName | undefined, scope: Scope): void {
    if (name && t.isComputedPropertyName(name)) visit(name.expression, scope);
  }
  function visitDecorators(node: ts.Node, scope: Scope): void {
    const decs = t.canHaveDecorators(node) ? t.getDecorators(node) : undefined;
    for (const d of decs ?? []) visit(d.expression, scope);
  }
  /** Defaults and computed keys inside a binding pattern are reads; the names are not. */
  function visitBinding(name: ts.BindingName, scope: Scope): void {
    if (t.isIdentifier(name)) return;
    for (const el of name.elements) {
      if (t.isOmittedExpression(el)) continue;
      visitPropertyName(el.propertyName, scope);
      if (el.initializer) visit(el.initializer, scope);
      visitBinding(el.name, scope);
    }
  }

  function visitFunction(node: ts.SignatureDeclaration, outer: Scope): void {
    visitDecorators(node, outer);
    if (!t.isFunctionDeclaration(node) && !t.isFunctionExpression(node)) {
      visitPropertyName(node.name as ts.PropertyName | undefined, outer);
    }
    const scope = scopeOf(outer);
    if (t.isFunctionExpression(node) && node.name) scope.values.add(node.name.text);
    if (!t.isArrowFunction(node)) scope.values.add("arguments");
    visitTypeParams(node.typeParameters, scope);
    for (const p of node.parameters) declareBinding(t, p.name, scope);
    fnDepth++;
    for (const p of node.parameters) {
      visitDecorators(p, outer);
      visitBinding(p.name, scope);
      if (p.type) visitType(p.type, scope);
      if (p.initializer) visit(p.initializer, scope);
    }
    if (node.type) visitType(node.type, scope);
    const body = (node as ts.FunctionLikeDeclarationBase).body;
    if (body && t.isBlock(body)) {
      collectLexical(t, body.statements, scope);
      collectVars(t, body, scope);
      for (const st of body.statements) visit(st, scope);
    } else if (body) {
      visit(body, scope);
    }
    fnDepth--;
  }

  function visitClass(node: ts.ClassLikeDeclaration, outer: Scope): void {
    visitDecorators(node, outer);
    const scope = scopeOf(outer);
    if (node.name) {
      scope.values.add(node.name.text);
      scope.types.add(node.name.text);
    }
    visitTypeParams(node.typeParameters, scope);
    for (const h of node.heritageClauses ?? []) {
      for (const ty of h.types) {
        if (h.token === K.ExtendsKeyword) {
          visit(ty.expression, outer);
          for (const a of ty.typeArguments ?? []) visitType(a, scope);
        } else visitType(ty, scope);
      }
    }
    for (const m of node.members) {
      if (t.isClassStaticBlockDeclaration(m)) {
        const inner = scopeOf(scope);
        fnDepth++;
        collectLexical(t, m.body.statements, inner);
        collectVars(t, m.body, inner);
        for (const st of m.body.statements) visit(st, inner);
        fnDepth--;
      } else if (t.isFunctionLike(m)) {
        visitFunction(m, scope);
      } else if (t.isPropertyDeclaration(m)) {
        visitDecorators(m, scope);
        visitPropertyName(m.name, scope);
        if (m.type) visitType(m.type, scope);
        fnDepth++;
        if (m.initializer) visit(m.initializer, scope);
        fnDepth--;
      } else if (t.isIndexSignatureDeclaration(m)) {
        visitType(m, scope);
      }
    }
  }

  /** Left side of `=`, `+=`, `++`, `for (x of …)`: plain names are assignments, not reads. */
  function visitTarget(node: ts.Expression, scope: Scope): void {
    if (t.isIdentifier(node)) return assignName(node.text, scope);
    if (t.isParenthesizedExpression(node) || t.isNonNullExpression(node)) {
      return visitTarget(node.expression, scope);
    }
    if (
      t.isAsExpression(node) || t.isSatisfiesExpression(node) || t.isTypeAssertionExpression(node)
    ) {
      visitType(node.type, scope);
      return visitTarget(node.expression, scope);
    }
    if (t.isBinaryExpression(node) && node.operatorToken.kind === K.EqualsToken) {
      visitTarget(node.left, scope);
      return visit(node.right, scope);
    }
    if (t.isArrayLiteralExpression(node)) {
      for (const el of node.elements) {
        if (t.isSpreadElement(el)) visitTarget(el.expression, scope);
        else if (!t.isOmittedExpression(el)) visitTarget(el, scope);
      }
      return;
    }
    if (t.isObjectLiteralExpression(node)) {
      for (const p of node.properties) {
        if (t.isShorthandPropertyAssignment(p)) {
          assignName(p.name.text, scope);
          if (p.objectAssignmentInitializer) visit(p.objectAssignmentInitializer, scope);
        } else if (t.isPropertyAssignment(p)) {
          visitPropertyName(p.name, scope);
          visitTarget(p.initializer, scope);
        } else if (t.isSpreadAssignment(p)) visitTarget(p.expression, scope);
        else visit(p, scope);
      }
      return;
    }
    if (t.isPropertyAccessExpression(node) || t.isElementAccessExpression(node)) {
      mutateInPlace(accessRoot(t, node), scope);
    }
    visit(node, scope);
  }

  function visitJsxTag(tag: ts.JsxTagNameExpression, scope: Scope): void {
    out.jsx = true;
    if (t.isIdentifier(tag)) {
      if (/^[A-Z_$]/.test(tag.text) && !tag.text.includes("-")) readValue(tag.text, scope);
    } else if (t.isPropertyAccessExpression(tag)) visit(tag.expression, scope);
  }

  function recordEnvRead(node: ts.CallExpression, scope: Scope): void {
    const callee = node.expression;
    if (!t.isPropertyAccessExpression(callee)) return;
    if (callee.name.text !== "get" && callee.name.text !== "has") return;
    const env = callee.expression;
    if (!t.isPropertyAccessExpression(env) || env.name.text !== "env") return;
    if (!t.isIdentifier(env.expression) || env.expression.text !== "Deno") return;
    if (isLocal("Deno", scope)) return;
    const arg = node.arguments[0];
    if (arg && t.isStringLiteralLike(arg)) out.envKeys.add(arg.text);
  }

  function visit(node: ts.Node, scope: Scope): void {
    if (t.isTypeNode(node) && !t.isExpressionWithTypeArguments(node)) return visitType(node, scope);
    switch (node.kind) {
      case K.Identifier:
        return readValue((node as ts.Identifier).text, scope);
      case K.Block: {
        const inner = scopeOf(scope);
        collectLexical(t, (node as ts.Block).statements, inner);
        for (const st of (node as ts.Block).statements) visit(st, inner);
        return;
      }
      case K.CaseBlock: {
        const inner = scopeOf(scope);
        for (const c of (node as ts.CaseBlock).clauses) collectLexical(t, c.statements, inner);
        t.forEachChild(node, (c) => visit(c, inner));
        return;
      }
      case K.ForStatement:
      case K.ForInStatement:
      case K.ForOfStatement: {
        const loop = node as ts.ForStatement | ts.ForInOrOfStatement;
        const inner = scopeOf(scope);
        const init = loop.initializer;
        if (t.isForOfStatement(loop) && loop.awaitModifier && fnDepth === 0) {
          out.topLevelAwait = true;
        }
        if (init && t.isVariableDeclarationList(init)) {
          if (isBlockScopedList(t, init)) {
            for (const d of init.declarations) declareBinding(t, d.name, inner);
          }
          visit(init, inner);
        } else if (init && !t.isForStatement(loop)) visitTarget(init, inner);
        else if (init) visit(init, inner);
        t.forEachChild(loop, (c) => c !== init && visit(c, inner));
        return;
      }
      case K.CatchClause: {
        const cc = node as ts.CatchClause;
        const inner = scopeOf(scope);
        if (cc.variableDeclaration) {
          declareBinding(t, cc.variableDeclaration.name, inner);
          visit(cc.variableDeclaration, inner);
        }
        visit(cc.block, inner);
        return;
      }
      case K.VariableDeclaration: {
        const d = node as ts.VariableDeclaration;
        visitBinding(d.name, scope);
        if (d.type) visitType(d.type, scope);
        if (d.initializer) visit(d.initializer, scope);
        return;
      }
      case K.VariableStatement:
        if (!isAmbient(t, node)) break;
        for (const d of (node as ts.VariableStatement).declarationList.declarations) {
          if (d.type) visitType(d.type, scope);
        }
        return;
      case K.FunctionDeclaration:
        if (isAmbient(t, node)) return;
        return visitFunction(node as ts.FunctionDeclaration, scope);
      case K.FunctionExpression:
      case K.ArrowFunction:
      case K.MethodDeclaration:
      case K.GetAccessor:
      case K.SetAccessor:
      case K.Constructor:
        return visitFunction(node as ts.SignatureDeclaration, scope);
      case K.ClassDeclaration:
      case K.ClassExpression:
        if (isAmbient(t, node)) return;
        return visitClass(node as ts.ClassLikeDeclaration, scope);
      case K.InterfaceDeclaration:
      case K.TypeAliasDeclaration:
        return visitType(node, scope);
      case K.EnumDeclaration: {
        const e = node as ts.EnumDeclaration;
        if (isAmbient(t, e)) return;
        const inner = scopeOf(scope);
        for (const m of e.members) {
          if (!t.isComputedPropertyName(m.name)) inner.values.add(m.name.text);
        }
        for (const m of e.members) if (m.initializer) visit(m.initializer, inner);
        return;
      }
      case K.ModuleDeclaration: {
        const m = node as ts.ModuleDeclaration;
        if (isAmbient(t, m) || !m.body) return;
        const inner = scopeOf(scope);
        if (t.isModuleBlock(m.body)) {
          collectLexical(t, m.body.statements, inner);
          collectVars(t, m.body, inner);
          fnDepth++;
          for (const st of m.body.statements) visit(st, inner);
          fnDepth--;
        } else visit(m.body, inner);
        return;
      }
      case K.ImportDeclaration: {
        const spec = (node as ts.ImportDeclaration).moduleSpecifier;
        if (t.isStringLiteral(spec)) out.imports.add(spec.text);
        return;
      }
      case K.ImportEqualsDeclaration: {
        const ref = (node as ts.ImportEqualsDeclaration).moduleReference;
        if (t.isExternalModuleReference(ref)) {
          if (t.isStringLiteral(ref.expression)) out.imports.add(ref.expression.text);
        } else readValue(leftmost(ref), scope);
        return;
      }
      case K.ExportDeclaration: {
        const ex = node as ts.ExportDeclaration;
        if (ex.moduleSpecifier && t.isStringLiteral(ex.moduleSpecifier)) {
          out.imports.add(ex.moduleSpecifier.text);
        } else if (!ex.isTypeOnly && ex.exportClause && t.isNamedExports(ex.exportClause)) {
          for (const s of ex.exportClause.elements) {
            if (!s.isTypeOnly) readValue((s.propertyName ?? s.name).text, scope);
          }
        }
        return;
      }
      case K.PropertyAccessExpression:
        return visit((node as ts.PropertyAccessExpression).expression, scope);
      case K.PropertyAssignment: {
        const p = node as ts.PropertyAssignment;
        visitPropertyName(p.name, scope);
        return visit(p.initializer, scope);
      }
      case K.ShorthandPropertyAssignment: {
        const p = node as ts.ShorthandPropertyAssignment;
        readValue(p.name.text, scope);
        if (p.objectAssignmentInitializer) visit(p.objectAssignmentInitializer, scope);
        return;
      }
      case K.LabeledStatement:
        return visit((node as ts.LabeledStatement).statement, scope);
      case K.BreakStatement:
      case K.ContinueStatement:
      case K.MetaProperty:
        return;
      case K.BinaryExpression: {
        const b = node as ts.BinaryExpression;
        const op = b.operatorToken.kind;
        if (op >= K.FirstAssignment && op <= K.LastAssignment) {
          if (op !== K.EqualsToken) visit(b.left, scope);
          visitTarget(b.left, scope);
          return visit(b.right, scope);
        }
        break;
      }
      case K.PrefixUnaryExpression:
      case K.PostfixUnaryExpression: {
        const u = node as ts.PrefixUnaryExpression | ts.PostfixUnaryExpression;
        if (u.operator === K.PlusPlusToken || u.operator === K.MinusMinusToken) {
          visit(u.operand, scope);
          return visitTarget(u.operand, scope);
        }
        break;
      }
      case K.AwaitExpression:
        if (fnDepth === 0) out.topLevelAwait = true;
        break;
      case K.VariableDeclarationList: {
        const flags = (node as ts.VariableDeclarationList).flags;
        if ((flags & t.NodeFlags.AwaitUsing) === t.NodeFlags.AwaitUsing && fnDepth === 0) {
          out.topLevelAwait = true;
        }
        break;
      }
      case K.CallExpression: {
        const c = node as ts.CallExpression;
        if (c.expression.kind === K.ImportKeyword) {
          const arg = c.arguments[0];
          if (arg && t.isStringLiteralLike(arg)) out.imports.add(arg.text);
        } else {
          recordEnvRead(c, scope);
          const effect = callEffect(t, sf, c);
          for (const m of effect.mutates) mutateInPlace(m, scope);
          for (const e of effect.escapes) if (!isLocal(e.name, scope)) out.escapes.push(e);
        }
        break;
      }
      case K.DeleteExpression:
        mutateInPlace(accessRoot(t, (node as ts.DeleteExpression).expression), scope);
        break;
      case K.ExpressionWithTypeArguments: {
        const e = node as ts.ExpressionWithTypeArguments;
        visit(e.expression, scope);
        for (const a of e.typeArguments ?? []) visitType(a, scope);
        return;
      }
      case K.JsxSelfClosingElement:
      case K.JsxOpeningElement: {
        const el = node as ts.JsxOpeningLikeElement;
        visitJsxTag(el.tagName, scope);
        for (const a of el.typeArguments ?? []) visitType(a, scope);
        return visit(el.attributes, scope);
      }
      case K.JsxClosingElement:
        return;
      case K.JsxFragment:
        out.jsx = true;
        break;
      case K.JsxAttribute: {
        const init = (node as ts.JsxAttribute).initializer;
        if (init) visit(init, scope);
        return;
      }
    }
    t.forEachChild(node, (c) => visit(c, scope));
  }

  const types = createTypeWalker(t, {
    readType,
    freeType: (name) => out.typeFree.add(name),
    visitValue: (node, scope) => visit(node, scope),
  });
  const { visitType, visitTypeParams, leftmost } = types;

  const moduleScope = scopeOf(null);
  collectLexical(t, sf.statements, moduleScope);
  collectVars(t, sf, moduleScope);
  for (const st of sf.statements) visit(st, moduleScope);
  for (const n of moduleScope.values) out.defines.add(n);
  out.fixed = fixedTopLevel(t, sf);
  for (const n of moduleScope.types) if (!moduleScope.values.has(n)) out.typeDefines.add(n);
  return out;
}
