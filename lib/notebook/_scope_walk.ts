/**
 * Scope walk behind the analyzer: declares every binding in the scope it belongs to (with `var`
 * and function hoisting), then resolves each identifier in a value or type position. Names that
 * resolve nowhere are the cell's free names; names declared in the cell's own top-level scope are
 * its definitions. The tree is `@babel/parser`'s (`_babel.ts`).
 */
import { type BNode, forEachChild } from "./_babel.ts";
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
import { createTypeWalker } from "./_type_walk.ts";
import { accessRoot, callEffect, type Escape, fixedTopLevel, isMember } from "./_mutation.ts";

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

/**
 * TypeScript nodes that hold values (or declare them); every other `TS…` node is a type and goes
 * to the type walker.
 */
const TS_VALUE_NODES = new Set([
  "TSAsExpression",
  "TSSatisfiesExpression",
  "TSTypeAssertion",
  "TSNonNullExpression",
  "TSInstantiationExpression",
  "TSParameterProperty",
  "TSEnumDeclaration",
  "TSEnumMember",
  "TSModuleDeclaration",
  "TSModuleBlock",
  "TSImportEqualsDeclaration",
  "TSExternalModuleReference",
  "TSExportAssignment",
  "TSNamespaceExportDeclaration",
  "TSDeclareFunction",
  "TSDeclareMethod",
]);

const FUNCTIONS = new Set([
  "FunctionExpression",
  "ArrowFunctionExpression",
  "ObjectMethod",
  "ClassMethod",
  "ClassPrivateMethod",
  "TSDeclareMethod",
]);

/** A string the parser knows statically: `"x"` or `` `x` `` without substitutions. */
function staticString(node: BNode | undefined): string | undefined {
  if (node?.type === "StringLiteral") return node.value;
  if (node?.type === "TemplateLiteral" && node.expressions.length === 0) {
    return node.quasis[0].value.cooked ?? undefined;
  }
  return undefined;
}

/** Walks a parsed cell (`program`, from `source`) and returns what it declares, reads, assigns and imports. */
export function walkCell(program: BNode, source: string): WalkResult {
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
  function mutateInPlace(root: BNode | null, scope: Scope): void {
    if (!root || !root.name || isLocal(root.name, scope)) return;
    out.free.add(root.name);
    out.memberMutates.add(root.name);
  }
  /** A computed key (`[k]: …`) is a read; a plain one is not. */
  function visitKey(node: BNode, scope: Scope): void {
    if (node.computed) visit(node.key, scope);
  }
  function visitDecorators(node: BNode, scope: Scope): void {
    for (const d of node.decorators ?? []) visit(d.expression, scope);
  }
  /** Defaults, computed keys and types inside a binding pattern are reads; the names are not. */
  function visitBinding(p: BNode | null, scope: Scope): void {
    if (!p) return;
    if (p.typeAnnotation) visitType(p.typeAnnotation, scope);
    switch (p.type) {
      case "ObjectPattern":
        for (const prop of p.properties) {
          if (prop.type === "RestElement") visitBinding(prop.argument, scope);
          else {
            visitKey(prop, scope);
            visitBinding(prop.value, scope);
          }
        }
        return;
      case "ArrayPattern":
        for (const el of p.elements) visitBinding(el, scope);
        return;
      case "AssignmentPattern":
        visitBinding(p.left, scope);
        return visit(p.right, scope);
      case "RestElement":
        return visitBinding(p.argument, scope);
      case "TSParameterProperty":
        return visitBinding(p.parameter, scope);
    }
  }

  function visitFunction(node: BNode, outer: Scope): void {
    visitDecorators(node, outer);
    if (FUNCTIONS.has(node.type) && node.key) visitKey(node, outer);
    const scope = scopeOf(outer);
    if (node.type === "FunctionExpression" && node.id) scope.values.add(node.id.name);
    if (node.type !== "ArrowFunctionExpression") scope.values.add("arguments");
    visitTypeParams(node.typeParameters, scope);
    for (const p of node.params) declareBinding(p, scope);
    fnDepth++;
    for (const p of node.params) {
      visitDecorators(p, outer);
      visitBinding(p, scope);
    }
    if (node.returnType) visitType(node.returnType, scope);
    const body = node.body;
    if (body?.type === "BlockStatement") {
      collectLexical(body.body, scope);
      collectVars(body, scope);
      for (const st of body.body) visit(st, scope);
    } else if (body) {
      visit(body, scope);
    }
    fnDepth--;
  }

  function visitClass(node: BNode, outer: Scope): void {
    visitDecorators(node, outer);
    const scope = scopeOf(outer);
    if (node.id) {
      scope.values.add(node.id.name);
      scope.types.add(node.id.name);
    }
    visitTypeParams(node.typeParameters, scope);
    if (node.superClass) visit(node.superClass, outer);
    for (const a of node.superTypeParameters?.params ?? []) visitType(a, scope);
    for (const i of node.implements ?? []) visitType(i, scope);
    for (const m of node.body.body) {
      switch (m.type) {
        case "StaticBlock": {
          const inner = scopeOf(scope);
          fnDepth++;
          collectLexical(m.body, inner);
          collectVars(m, inner);
          for (const st of m.body) visit(st, inner);
          fnDepth--;
          break;
        }
        case "ClassMethod":
        case "ClassPrivateMethod":
        case "TSDeclareMethod":
          visitFunction(m, scope);
          break;
        case "ClassProperty":
        case "ClassPrivateProperty":
        case "ClassAccessorProperty":
          visitDecorators(m, scope);
          visitKey(m, scope);
          if (m.typeAnnotation) visitType(m.typeAnnotation, scope);
          fnDepth++;
          if (m.value) visit(m.value, scope);
          fnDepth--;
          break;
        case "TSIndexSignature":
          visitType(m, scope);
          break;
      }
    }
  }

  /** Left side of `=`, `+=`, `++`, `for (x of …)`: plain names are assignments, not reads. */
  function visitTarget(node: BNode | null, scope: Scope): void {
    if (!node) return;
    switch (node.type) {
      case "Identifier":
        return assignName(node.name, scope);
      case "ParenthesizedExpression":
      case "TSNonNullExpression":
        return visitTarget(node.expression, scope);
      case "TSAsExpression":
      case "TSSatisfiesExpression":
      case "TSTypeAssertion":
        visitType(node.typeAnnotation, scope);
        return visitTarget(node.expression, scope);
      case "AssignmentPattern":
      case "AssignmentExpression":
        visitTarget(node.left, scope);
        return visit(node.right, scope);
      case "ArrayPattern":
        for (const el of node.elements) visitTarget(el, scope);
        return;
      case "RestElement":
        return visitTarget(node.argument, scope);
      case "ObjectPattern":
        for (const p of node.properties) {
          if (p.type === "RestElement") visitTarget(p.argument, scope);
          else {
            visitKey(p, scope);
            visitTarget(p.value, scope);
          }
        }
        return;
    }
    if (isMember(node)) mutateInPlace(accessRoot(node), scope);
    visit(node, scope);
  }

  function visitJsxTag(tag: BNode, scope: Scope): void {
    out.jsx = true;
    if (tag.type === "JSXIdentifier") {
      if (/^[A-Z_$]/.test(tag.name) && !tag.name.includes("-")) readValue(tag.name, scope);
    } else if (tag.type === "JSXMemberExpression") {
      let o = tag.object;
      while (o.type === "JSXMemberExpression") o = o.object;
      if (o.type === "JSXIdentifier" && o.name !== "this") readValue(o.name, scope);
    }
  }

  function recordEnvRead(node: BNode, scope: Scope): void {
    const callee = node.callee;
    if (!isMember(callee) || callee.computed) return;
    if (callee.property.name !== "get" && callee.property.name !== "has") return;
    const env = callee.object;
    if (!isMember(env) || env.computed || env.property.name !== "env") return;
    if (env.object.type !== "Identifier" || env.object.name !== "Deno") return;
    if (isLocal("Deno", scope)) return;
    const key = staticString(node.arguments[0]);
    if (key !== undefined) out.envKeys.add(key);
  }

  function visitLoop(loop: BNode, scope: Scope): void {
    const inner = scopeOf(scope);
    const isFor = loop.type === "ForStatement";
    const init = isFor ? loop.init : loop.left;
    if (loop.type === "ForOfStatement" && loop.await && fnDepth === 0) out.topLevelAwait = true;
    if (init?.type === "VariableDeclaration") {
      if (isBlockScopedList(init)) {
        for (const d of init.declarations) declareBinding(d.id, inner);
      }
      visit(init, inner);
    } else if (init && !isFor) visitTarget(init, inner);
    else if (init) visit(init, inner);
    forEachChild(loop, (c) => c !== init && visit(c, inner));
  }

  function visit(node: BNode | null | undefined, scope: Scope): void {
    if (!node) return;
    const type = node.type;
    if (type.startsWith("TS") && !TS_VALUE_NODES.has(type)) return visitType(node, scope);
    switch (type) {
      case "Identifier":
        return readValue(node.name, scope);
      case "BlockStatement": {
        const inner = scopeOf(scope);
        collectLexical(node.body, inner);
        for (const st of node.body) visit(st, inner);
        return;
      }
      case "SwitchStatement": {
        visit(node.discriminant, scope);
        const inner = scopeOf(scope);
        for (const c of node.cases) collectLexical(c.consequent, inner);
        for (const c of node.cases) {
          visit(c.test, inner);
          for (const st of c.consequent) visit(st, inner);
        }
        return;
      }
      case "ForStatement":
      case "ForInStatement":
      case "ForOfStatement":
        return visitLoop(node, scope);
      case "CatchClause": {
        const inner = scopeOf(scope);
        if (node.param) {
          declareBinding(node.param, inner);
          visitBinding(node.param, inner);
        }
        visit(node.body, inner);
        return;
      }
      case "VariableDeclaration":
        if (isAmbient(node)) {
          for (const d of node.declarations) visitType(d.id.typeAnnotation, scope);
          return;
        }
        if (node.kind === "await using" && fnDepth === 0) out.topLevelAwait = true;
        for (const d of node.declarations) {
          visitBinding(d.id, scope);
          visit(d.init, scope);
        }
        return;
      case "FunctionDeclaration":
      case "TSDeclareFunction":
        if (isAmbient(node)) return;
        return visitFunction(node, scope);
      case "FunctionExpression":
      case "ArrowFunctionExpression":
      case "ObjectMethod":
      case "ClassMethod":
      case "ClassPrivateMethod":
      case "TSDeclareMethod":
        return visitFunction(node, scope);
      case "ClassDeclaration":
      case "ClassExpression":
        if (isAmbient(node)) return;
        return visitClass(node, scope);
      case "TSEnumDeclaration": {
        if (isAmbient(node)) return;
        const inner = scopeOf(scope);
        for (const m of node.members) {
          if (m.id.type === "Identifier") inner.values.add(m.id.name);
          else if (m.id.type === "StringLiteral") inner.values.add(m.id.value);
        }
        for (const m of node.members) visit(m.initializer, inner);
        return;
      }
      case "TSModuleDeclaration": {
        if (isAmbient(node) || !node.body) return;
        const inner = scopeOf(scope);
        if (node.body.type === "TSModuleBlock") {
          collectLexical(node.body.body, inner);
          collectVars(node.body, inner);
          fnDepth++;
          for (const st of node.body.body) visit(st, inner);
          fnDepth--;
        } else visit(node.body, inner);
        return;
      }
      case "ImportDeclaration":
        if (node.source?.type === "StringLiteral") out.imports.add(node.source.value);
        return;
      case "TSImportEqualsDeclaration": {
        const ref = node.moduleReference;
        if (ref.type === "TSExternalModuleReference") {
          if (ref.expression.type === "StringLiteral") out.imports.add(ref.expression.value);
        } else readValue(leftmost(ref), scope);
        return;
      }
      case "ExportNamedDeclaration":
        if (node.source?.type === "StringLiteral") {
          out.imports.add(node.source.value);
          return;
        }
        if (node.declaration) return visit(node.declaration, scope);
        if (node.exportKind === "type") return;
        for (const s of node.specifiers) {
          if (s.type === "ExportSpecifier" && s.exportKind !== "type") {
            readValue(s.local.name, scope);
          }
        }
        return;
      case "ExportAllDeclaration":
        if (node.source?.type === "StringLiteral") out.imports.add(node.source.value);
        return;
      case "MemberExpression":
      case "OptionalMemberExpression":
        visit(node.object, scope);
        if (node.computed) visit(node.property, scope);
        return;
      case "ObjectProperty":
        visitKey(node, scope);
        return visit(node.value, scope);
      case "LabeledStatement":
        return visit(node.body, scope);
      case "BreakStatement":
      case "ContinueStatement":
      case "MetaProperty":
      case "PrivateName":
        return;
      case "AssignmentExpression":
        if (node.operator !== "=") visit(node.left, scope);
        visitTarget(node.left, scope);
        return visit(node.right, scope);
      case "UpdateExpression":
        visit(node.argument, scope);
        return visitTarget(node.argument, scope);
      case "AwaitExpression":
        if (fnDepth === 0) out.topLevelAwait = true;
        break;
      case "CallExpression":
      case "OptionalCallExpression":
        if (node.callee.type === "Import") {
          const spec = staticString(node.arguments[0]);
          if (spec !== undefined) out.imports.add(spec);
        } else {
          recordEnvRead(node, scope);
          const effect = callEffect(source, node);
          for (const m of effect.mutates) mutateInPlace(m, scope);
          for (const e of effect.escapes) if (!isLocal(e.name, scope)) out.escapes.push(e);
        }
        break;
      case "UnaryExpression":
        if (node.operator === "delete") mutateInPlace(accessRoot(node.argument), scope);
        break;
      case "JSXOpeningElement":
        visitJsxTag(node.name, scope);
        visitType(node.typeParameters ?? node.typeArguments, scope);
        for (const a of node.attributes) visit(a, scope);
        return;
      case "JSXClosingElement":
        return;
      case "JSXFragment":
        out.jsx = true;
        break;
      case "JSXAttribute":
        return visit(node.value, scope);
    }
    forEachChild(node, (c) => visit(c, scope));
  }

  const types = createTypeWalker({
    readType,
    freeType: (name) => out.typeFree.add(name),
    visitValue: (node, scope) => visit(node, scope),
  });
  const { visitType, visitTypeParams, leftmost } = types;

  const moduleScope = scopeOf(null);
  collectLexical(program.body, moduleScope);
  collectVars(program, moduleScope);
  for (const st of program.body) visit(st, moduleScope);
  for (const n of moduleScope.values) out.defines.add(n);
  out.fixed = fixedTopLevel(program.body);
  for (const n of moduleScope.types) if (!moduleScope.values.has(n)) out.typeDefines.add(n);
  return out;
}
