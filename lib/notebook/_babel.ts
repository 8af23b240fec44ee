/**
 * The cell parser, `@babel/parser` with its `typescript` plugin, shared by the analyzer
 * (analyzer.ts) and the cell module builder (lib/executor/cell_module.ts). Loaded on first use
 * (≈11 ms and ≈13 MiB, against ≈90–220 ms and ≈55 MiB for the TypeScript compiler; issue 20,
 * docs/performance.md), never at server start.
 */
import type { ParseResult, ParserOptions } from "@babel/parser";
import type { CodeCacheLoad } from "./_code_cache.ts";
import { lazyPackage } from "./_lazy_package.ts";

/** The `@babel/parser` module. */
export type Babel = typeof import("@babel/parser");

/**
 * A node of Babel's tree as the walks here read it: its `type`, offsets, position and whatever
 * fields that type has (the walks switch on `type`; Babel's own typings would need a cast at every
 * step of a generic walk).
 */
// deno-lint-ignore no-explicit-any
export type BNode = { type: string; start: number; end: number; [field: string]: any };

/**
 * What Deno accepts in a cell: TypeScript (not TSX), top-level await, `using`, import attributes
 * (and the older `assert`), TC39 decorators before or after `export`, `import source`. `export { x }`
 * of a name the cell does not declare is allowed: the prelude binds inputs in the module. Errors
 * are recovered from so that the TypeScript plugin's own checks can be skipped (see firstError).
 * Parentheses are kept as nodes: `(a)` and `a` are different trees, as in TypeScript's.
 */
export const CELL_PARSE_OPTIONS: ParserOptions = {
  sourceType: "module",
  plugins: [
    "typescript",
    "decorators",
    "decoratorAutoAccessors",
    "explicitResourceManagement",
    "importAttributes",
    "deprecatedImportAssert",
    "sourcePhaseImports",
  ],
  allowUndeclaredExports: true,
  createParenthesizedExpressions: true,
  attachComment: false,
  errorRecovery: true,
};

/** The same with JSX (a cell written as TSX). */
export const CELL_PARSE_OPTIONS_JSX: ParserOptions = {
  ...CELL_PARSE_OPTIONS,
  plugins: ["jsx", ...(CELL_PARSE_OPTIONS.plugins ?? [])],
};

const parser = lazyPackage<Babel>({
  specifier: "@babel/parser",
  importer: () => import("@babel/parser"),
  cacheName: "babel-parser",
  // Taken a second after the load, with the functions the first analyses compiled.
  take: "use",
  notLoaded: "The cell parser is not loaded yet: await loadBabel() first",
});

/**
 * Where this process keeps its V8 code cache of the parser (`<dataDir>/code-cache`, set by the
 * server; none by default). Applies to the next load. The cache is taken a second after the load,
 * with the parser's functions the first analyses compiled (`take: "use"`): a first analysis of 100
 * cells after a restart then compiles none of them (issue 20, docs/performance.md).
 */
export function configureParserCodeCache(dir: string | undefined, writeAfterMs?: number): void {
  parser.configureCodeCache({ dir, writeAfterMs });
}

/** How the last load here used the code cache (tests and benches ask); undefined when it did not. */
export function parserCodeCacheLoad(): CodeCacheLoad | undefined {
  return parser.codeCacheLoad();
}

/** Loads the parser once; later calls reuse it. */
export function loadBabel(): Promise<Babel> {
  return parser.load();
}

/** True once the parser has been loaded in this process (tests and benches ask). */
export function babelLoaded(): boolean {
  return parser.loaded();
}

/** True when `@babel/parser` can be loaded synchronously (not in the single-file build). */
export function babelRequirable(): boolean {
  return parser.requirable();
}

/**
 * The parser now: the loaded one, or (for a caller that did not await `loadBabel`) required
 * synchronously. Where it cannot be required (the single-file build), the caller must have awaited
 * `loadBabel` first.
 */
export function babelNow(): Babel {
  return parser.now();
}

/** A recovered error as Babel reports it. */
export type BabelError = SyntaxError & {
  syntaxPlugin?: string;
  pos?: number;
  reasonCode?: string;
  loc?: { line: number; column: number };
};

/**
 * The errors Babel recovered from that count, in source order: all but the TypeScript plugin's own
 * checks (`override` outside a subclass, `import type A, { type B }`, ...), which TypeScript's
 * parser leaves to its checker and Deno runs. JavaScript's early errors (a name declared twice,
 * `return` outside a function) are kept: V8 refuses them too.
 */
export function parseErrors(parsed: ParseResult): BabelError[] {
  return (parsed.errors ?? [])
    .map((e) => e as unknown as BabelError)
    .filter((e) => e.syntaxPlugin !== "typescript")
    .sort((a, b) => (a.pos ?? 0) - (b.pos ?? 0));
}

/** The first error that counts (see parseErrors). */
export function firstError(parsed: ParseResult): BabelError | undefined {
  return parseErrors(parsed)[0];
}

/** Babel's message without its trailing "(line:column)". */
export function errorText(e: { message: string }): string {
  return e.message.replace(/ \(\d+:\d+\)$/, "");
}

/** Fields of a node that are not part of its meaning: positions, raw text, comments. */
export const META_FIELDS: readonly string[] = [
  "type",
  "start",
  "end",
  "loc",
  "range",
  "extra",
  "leadingComments",
  "trailingComments",
  "innerComments",
  "comments",
  "errors",
  "tokens",
];
const NOT_CHILDREN = new Set(META_FIELDS);

/**
 * Calls `fn` on each child node of `node`, in the order Babel built them (source order). Own keys
 * only: `for…in` would also visit what Babel puts on its nodes' prototype.
 */
export function forEachChild(node: BNode, fn: (child: BNode) => void): void {
  const keys = Object.keys(node);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (NOT_CHILDREN.has(key)) continue;
    const v = node[key];
    if (Array.isArray(v)) {
      for (const c of v) if (c && typeof c === "object" && typeof c.type === "string") fn(c);
    } else if (v && typeof v === "object" && typeof v.type === "string") fn(v);
  }
}

/**
 * The final top-level statement's expression (offsets), when that statement is an expression
 * statement. Babel reads leading string statements (`"a"`) as directives, TypeScript as
 * expressions: a cell of only such strings displays the last one.
 */
export function finalExpression(
  program: {
    body: { type: string }[];
    directives: { value: { start?: number | null; end?: number | null } }[];
  },
): { start: number; end: number } | undefined {
  const last = program.body.at(-1) as
    | { type: string; expression?: { start?: number | null; end?: number | null } }
    | undefined;
  if (last) {
    return last.type === "ExpressionStatement"
      ? { start: last.expression!.start!, end: last.expression!.end! }
      : undefined;
  }
  const directive = program.directives.at(-1);
  return directive && { start: directive.value.start!, end: directive.value.end! };
}
