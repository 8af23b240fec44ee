/**
 * Corpus of tricky cells with the definitions and references the analyzer must find.
 * `references` excludes known globals; optional fields are checked only when present.
 */

/** One corpus entry. */
export interface CorpusCell {
  name: string;
  source: string;
  defines: string[];
  references: string[];
  mutates?: string[];
  typeOnlyReferences?: string[];
  typeDefines?: string[];
  globalReferences?: string[];
  imports?: string[];
  envKeys?: string[];
  hasTopLevelAwait?: boolean;
  diagnostics?: number;
}

/** The corpus. */
export const CORPUS: CorpusCell[] = [
  // --- declarations ---
  { name: "simple const", source: "const a = b + 1", defines: ["a"], references: ["b"] },
  {
    name: "let and var",
    source: "let a = 1; var b = a + c",
    defines: ["a", "b"],
    references: ["c"],
  },
  {
    name: "multiple declarators",
    source: "const x = 1, y = x, z = w",
    defines: ["x", "y", "z"],
    references: ["w"],
  },
  {
    name: "use before declare in same cell",
    source: "const b = a; const a = 1",
    defines: ["a", "b"],
    references: [],
  },
  {
    name: "function declaration",
    source: "function f(x) { return x + k }",
    defines: ["f"],
    references: ["k"],
  },
  {
    name: "hoisted function used above",
    source: "const r = f(); function f() { return 1 }",
    defines: ["f", "r"],
    references: [],
  },
  {
    name: "class declaration",
    source: "class A extends Base { m() { return dep } }",
    defines: ["A"],
    references: ["Base", "dep"],
  },
  {
    name: "class expression name is local",
    source: "const C = class Inner { static make() { return new Inner() } }",
    defines: ["C"],
    references: [],
  },
  {
    name: "function expression name is local",
    source: "const f = function g(n) { return n ? g(n - 1) : 0 }",
    defines: ["f"],
    references: [],
  },
  {
    name: "enum",
    source: "enum Color { Red, Green = Red + 1 }\nconst c = Color.Green",
    defines: ["Color", "c"],
    references: [],
  },
  // --- destructuring ---
  {
    name: "object destructuring",
    source: "const { a, b: c } = obj",
    defines: ["a", "c"],
    references: ["obj"],
  },
  {
    name: "nested destructuring",
    source: "const { a: { b: [c, , d] } } = src",
    defines: ["c", "d"],
    references: ["src"],
  },
  {
    name: "destructuring defaults read",
    source: "const { a = fallback, b = a } = src",
    defines: ["a", "b"],
    references: ["fallback", "src"],
  },
  {
    name: "array rest",
    source: "const [head, ...tail] = list",
    defines: ["head", "tail"],
    references: ["list"],
  },
  {
    name: "object rest",
    source: "const { id, ...rest } = row",
    defines: ["id", "rest"],
    references: ["row"],
  },
  {
    name: "computed key in pattern",
    source: "const { [key]: value } = obj",
    defines: ["value"],
    references: ["key", "obj"],
  },
  {
    name: "destructuring with types",
    source: "const { a }: { a: T } = obj",
    defines: ["a"],
    references: ["obj"],
    typeOnlyReferences: ["T"],
  },
  // --- shadowing ---
  {
    name: "function param shadows",
    source: "function f(df) { return df.x }\nconst y = f(z)",
    defines: ["f", "y"],
    references: ["z"],
  },
  {
    name: "block shadows",
    source: "{ const df = 1; console.log(df) }",
    defines: [],
    references: [],
    globalReferences: ["console"],
  },
  {
    name: "block let not top-level",
    source: "if (ok) { let t = 1 }",
    defines: [],
    references: ["ok"],
  },
  {
    name: "var in block is top-level",
    source: "if (ok) { var t = 1 }",
    defines: ["t"],
    references: ["ok"],
  },
  {
    name: "block function is block scoped",
    source: "{ function inner() {} }\ninner()",
    defines: [],
    references: ["inner"],
  },
  {
    name: "catch param",
    source: "try { run() } catch (err) { report(err) }",
    defines: [],
    references: ["report", "run"],
  },
  {
    name: "catch destructured",
    source: "try { x() } catch ({ message }) { log(message) }",
    defines: [],
    references: ["log", "x"],
  },
  {
    name: "for let loop",
    source: "for (let i = 0; i < n; i++) { total += i }",
    defines: ["total"],
    references: ["n", "total"],
    mutates: ["total"],
  },
  {
    name: "for var loop defines",
    source: "for (var i = 0; i < 3; i++) {}",
    defines: ["i"],
    references: [],
  },
  {
    name: "for of const",
    source: "for (const item of items) use(item)",
    defines: [],
    references: ["items", "use"],
  },
  {
    name: "for in",
    // keys.push changes keys in place: the cell defines it for the cells below (issue 14 item 8).
    source: "for (const k in obj) keys.push(k)",
    defines: ["keys"],
    references: ["keys", "obj"],
  },
  {
    name: "shadow then free outside",
    source: "function f() { const q = 1; return q }\nconst r = q",
    defines: ["f", "r"],
    references: ["q"],
  },
  {
    name: "switch case scope",
    source: "switch (v) { case 1: { const w = 2; break } default: let z = 3 }",
    defines: [],
    references: ["v"],
  },
  {
    name: "arrow params shadow",
    source: "const g = (a, { b }) => a + b + c",
    defines: ["g"],
    references: ["c"],
  },
  {
    name: "param default reads outer",
    source: "function f(a = base, b = a) { return b }",
    defines: ["f"],
    references: ["base"],
  },
  {
    name: "arguments inside function",
    source: "function f() { return arguments.length }",
    defines: ["f"],
    references: [],
  },
  // --- closures ---
  {
    name: "closure over upstream",
    source: "const add = (x) => x + offset",
    defines: ["add"],
    references: ["offset"],
  },
  {
    name: "closure over local later",
    source: "const get = () => later; const later = 1",
    defines: ["get", "later"],
    references: [],
  },
  {
    name: "nested closures",
    source: "function outer() { const a = 1; return () => () => a + b }",
    defines: ["outer"],
    references: ["b"],
  },
  // --- imports and exports ---
  {
    name: "default import",
    source: 'import pl from "npm:nodejs-polars"',
    defines: ["pl"],
    references: [],
    imports: ["npm:nodejs-polars"],
  },
  {
    name: "named import alias",
    source: 'import { a, b as c } from "./m.ts"',
    defines: ["a", "c"],
    references: [],
    imports: ["./m.ts"],
  },
  {
    name: "namespace import",
    source: 'import * as path from "node:path"\nconst j = path.join(a)',
    defines: ["j", "path"],
    references: ["a"],
  },
  {
    name: "type-only import",
    source: 'import type { Frame } from "./f.ts"\nlet x: Frame',
    defines: ["x"],
    references: [],
    typeDefines: ["Frame"],
  },
  {
    name: "inline type import",
    source: 'import { type A, B } from "./m.ts"',
    defines: ["B"],
    references: [],
    typeDefines: ["A"],
  },
  {
    name: "side-effect import",
    source: 'import "./setup.ts"',
    defines: [],
    references: [],
    imports: ["./setup.ts"],
  },
  {
    name: "export const",
    source: "export const total = sum(values)",
    defines: ["total"],
    references: ["sum", "values"],
  },
  {
    name: "export function and class",
    source: "export function f() {}\nexport default class K {}",
    defines: ["K", "f"],
    references: [],
  },
  {
    name: "export list reads",
    source: "export { upstream as renamed }",
    defines: [],
    references: ["upstream"],
  },
  {
    name: "dynamic import",
    source: 'const m = await import("npm:lodash")',
    defines: ["m"],
    references: [],
    imports: ["npm:lodash"],
    hasTopLevelAwait: true,
  },
  // --- await ---
  {
    name: "top-level await",
    source: "const res = await fetch(url)",
    defines: ["res"],
    references: ["url"],
    hasTopLevelAwait: true,
    globalReferences: ["fetch"],
  },
  {
    name: "await inside function only",
    source: "async function f() { await g() }",
    defines: ["f"],
    references: ["g"],
    hasTopLevelAwait: false,
  },
  {
    name: "for await top-level",
    source: "for await (const chunk of stream) {}",
    defines: [],
    references: ["stream"],
    hasTopLevelAwait: true,
  },
  // --- labels, shorthand, members ---
  {
    name: "labels are not references",
    source:
      "outer: for (const a of xs) { for (const b of a) { if (b) continue outer; break outer } }",
    defines: [],
    references: ["xs"],
  },
  {
    name: "object shorthand reads",
    source: "const o = { a, b: c, d() { return e } }",
    defines: ["o"],
    references: ["a", "c", "e"],
  },
  {
    name: "property access names are not refs",
    source: "const v = obj.prop.deep",
    defines: ["v"],
    references: ["obj"],
  },
  {
    name: "computed member reads",
    source: "const v = obj[key]",
    defines: ["v"],
    references: ["key", "obj"],
  },
  {
    name: "optional chaining",
    source: "const v = a?.b?.(c)",
    defines: ["v"],
    references: ["a", "c"],
  },
  {
    name: "class members are not refs",
    source: "class P { x = init; #y = 2; get z() { return this.#y } static s = other }",
    defines: ["P"],
    references: ["init", "other"],
  },
  // --- JSX ---
  {
    name: "jsx component and props",
    source: "const el = <Chart data={rows} title='t' />",
    defines: ["el"],
    references: ["Chart", "rows"],
  },
  {
    name: "jsx intrinsic tags",
    source: "const el = <div className={cls}><span>{text}</span></div>",
    defines: ["el"],
    references: ["cls", "text"],
  },
  {
    name: "jsx member tag and fragment",
    source: "const el = <><UI.Box {...props} /></>",
    defines: ["el"],
    references: ["UI", "props"],
  },
  // --- types ---
  {
    name: "type annotation no edge",
    source: "const n: Row = make()",
    defines: ["n"],
    references: ["make"],
    typeOnlyReferences: ["Row"],
  },
  {
    name: "interface and alias are type defines",
    source: "interface Row { a: Cell }\ntype Rows = Row[]",
    defines: [],
    references: [],
    typeDefines: ["Row", "Rows"],
    typeOnlyReferences: ["Cell"],
  },
  {
    name: "generic params are local",
    source: "function id<T>(x: T): T { return x }",
    defines: ["id"],
    references: [],
    typeOnlyReferences: [],
  },
  {
    name: "as and satisfies",
    source: "const c = raw as Config satisfies Base",
    defines: ["c"],
    references: ["raw"],
    typeOnlyReferences: ["Base", "Config"],
  },
  {
    name: "typeof type query no edge",
    source: "let copy: typeof original",
    defines: ["copy"],
    references: [],
    typeOnlyReferences: ["original"],
  },
  {
    name: "implements is type only",
    source: "class S implements Shape { area = 0 }",
    defines: ["S"],
    references: [],
    typeOnlyReferences: ["Shape"],
  },
  {
    name: "generic call type args",
    source: "const m = new Map<Key, Val>()",
    defines: ["m"],
    references: [],
    typeOnlyReferences: ["Key", "Val"],
  },
  {
    name: "declare keeps reference",
    source: "declare const df: Frame\ndf.head()",
    defines: [],
    references: ["df"],
    typeOnlyReferences: ["Frame"],
  },
  {
    name: "mapped and conditional types",
    source: "type M<T> = { [K in keyof T]: T[K] extends infer U ? U : Other }",
    defines: [],
    references: [],
    typeDefines: ["M"],
    typeOnlyReferences: ["Other"],
  },
  // --- globals ---
  {
    name: "globals are not references",
    source: "const t = Date.now() + Math.random(); console.log(Deno.version, globalThis)",
    defines: ["t"],
    references: [],
    globalReferences: ["Date", "Deno", "Math", "console", "globalThis"],
  },
  {
    name: "undefined and NaN are globals",
    source: "const u = x === undefined ? NaN : x",
    defines: ["u"],
    references: ["x"],
  },
  {
    name: "env read literal",
    source: 'const region = Deno.env.get("AWS_REGION") ?? Deno.env.get(dynamic)',
    defines: ["region"],
    references: ["dynamic"],
    envKeys: ["AWS_REGION"],
  },
  {
    name: "shadowed Deno is not env read",
    source: 'const Deno = fake; const r = Deno.env.get("X")',
    defines: ["Deno", "r"],
    references: ["fake"],
    envKeys: [],
  },
  // --- mutation ---
  {
    name: "assignment to upstream",
    source: "df = df.filter(f)",
    defines: ["df"],
    references: ["df", "f"],
    mutates: ["df"],
  },
  {
    name: "compound assignment",
    source: "count += 1",
    defines: ["count"],
    references: ["count"],
    mutates: ["count"],
  },
  { name: "increment", source: "n++", defines: ["n"], references: ["n"], mutates: ["n"] },
  {
    name: "destructuring assignment",
    source: "[a, b] = [b, a]",
    defines: ["a", "b"],
    references: ["a", "b"],
    mutates: ["a", "b"],
  },
  {
    name: "object destructuring assignment",
    source: "({ x, y: z = d } = src)",
    defines: ["x", "z"],
    references: ["d", "src", "x", "z"],
    mutates: ["x", "z"],
  },
  {
    // Issue 14 item 8: a member assignment changes the value in place, so the cell defines it for
    // the cells below (they read the changed value from this cell, fresh or cached).
    name: "member assignment mutates the root name",
    source: "cfg.debug = true",
    defines: ["cfg"],
    references: ["cfg"],
    mutates: ["cfg"],
  },
  {
    name: "assignment to local is no mutation",
    source: "let a = 1; a = 2",
    defines: ["a"],
    references: [],
    mutates: [],
  },
  {
    name: "assignment inside function to upstream",
    source: "function bump() { counter++ }",
    defines: ["bump", "counter"],
    references: ["counter"],
    mutates: ["counter"],
  },
  {
    name: "for of assigns upstream",
    source: "for (last of items) {}",
    defines: ["last"],
    references: ["items", "last"],
    mutates: ["last"],
  },
  // --- misc ---
  { name: "comments only", source: "// @name nothing\n/* block */", defines: [], references: [] },
  {
    name: "template literal reads",
    source: "const s = `${greet}, ${who}!`",
    defines: ["s"],
    references: ["greet", "who"],
  },
  {
    name: "tagged template",
    source: "const q = sql`select ${col}`",
    defines: ["q"],
    references: ["col", "sql"],
  },
  {
    name: "decorators read",
    source: "@register class W { @field() name = '' }",
    defines: ["W"],
    references: ["field", "register"],
  },
  {
    name: "namespace block",
    source: "namespace NS { export const inner = dep }",
    defines: ["NS"],
    references: ["dep"],
  },
  {
    name: "using declaration",
    source: "using res = open()",
    defines: ["res"],
    references: ["open"],
  },
  {
    name: "syntax error still analyzed",
    source: "const a = b +\nconst c = ",
    defines: ["a", "c"],
    references: ["b"],
    diagnostics: 1,
  },
];
