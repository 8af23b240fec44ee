import assert from "node:assert/strict";
import { buildCellModule, finalExpressionRange, mapPosition } from "./cell_module.ts";

async function build(source: string, inputs: string[] = [], outputs: string[] = []) {
  const out = await buildCellModule(source, { inputs, outputs });
  assert.ok(out.ok, out.ok ? "" : out.error.message);
  return out.module;
}

Deno.test("cell_module - keeps the cell's line numbers", async () => {
  const m = await build("const a = 1;\nconst b = 2;\na + b", ["x"], ["a"]);
  const lines = m.code.split("\n");
  assert.match(lines[0], /let x = .*const a = 1;$/);
  assert.equal(lines[1], "const b = 2;");
  assert.match(lines[2], /last\(\(a \+ b\)\)/);
});

Deno.test("cell_module - maps columns through the inserted prelude and display call", async () => {
  const m = await build("x * 21", ["x"]);
  const col = m.code.split("\n")[0].indexOf("x * 21") + 1;
  assert.deepEqual(mapPosition(m, 1, col), { line: 1, column: 1 });
  assert.deepEqual(mapPosition(m, 1, col + 4), { line: 1, column: 5 });
});

Deno.test("cell_module - only a final expression statement is displayed", async () => {
  assert.equal((await build("const a = 1")).displaysLast, false);
  assert.equal((await build("f();\nconst a = 1")).displaysLast, false);
  assert.equal((await build("const a = 1;\nawait Promise.resolve(a)")).displaysLast, true);
  assert.equal((await build("")).displaysLast, false);
});

Deno.test("cell_module - does not rebind inputs the cell declares itself", async () => {
  const m = await build("import { y } from 'node:path';\nconst x = 2;\nfunction f() {}", [
    "x",
    "y",
    "f",
    "z",
  ]);
  assert.deepEqual(m.declared.sort(), ["f", "x", "y"]);
  assert.match(m.code.split("\n")[0], /let z = /);
  assert.doesNotMatch(m.code.split("\n")[0], /let x|, x =|let y|, y =/);
});

Deno.test("cell_module - reports syntax errors at cell positions", async () => {
  const out = await buildCellModule("const a = 1;\nconst = 2;", { inputs: [], outputs: [] });
  assert.equal(out.ok, false);
  assert.equal(!out.ok && out.error.line, 2);
});

Deno.test("cell_module - a syntax error reads cleanly, at the cell's own 1-based line and column", async () => {
  const out = await buildCellModule("const a = 1;\nconst = 2;", { inputs: ["z"], outputs: [] });
  assert.ok(!out.ok);
  assert.deepEqual({ line: out.error.line, column: out.error.column }, { line: 2, column: 7 });
  assert.doesNotMatch(out.error.message, /\(\d+:\d+\)/, "no parser position in the message");
  // Line 1 is not shifted by the prelude, and later lines count \r\n and U+2028 once each.
  const first = await buildCellModule("let x = ;", { inputs: ["z"], outputs: [] });
  assert.ok(!first.ok && first.error.line === 1 && first.error.column === 9);
  const crlf = await buildCellModule("a\r\nb\u2028c\r\nconst = 1", { inputs: [], outputs: [] });
  assert.ok(!crlf.ok && crlf.error.line === 4 && crlf.error.column === 7);
  // Early errors V8 would raise when importing the module are reported before it runs.
  const twice = await buildCellModule("const a = 1;\nconst a = 2;", { inputs: [], outputs: [] });
  assert.ok(
    !twice.ok && twice.error.line === 2 && /already been declared/.test(twice.error.message),
  );
});

Deno.test("cell_module - TypeScript that Deno runs builds, with its declared names", async () => {
  const cases: [string, string[]][] = [
    ["const r = await Promise.resolve(1);\nr", ["r"]],
    ["using a = res();\nawait using b = res();\nfor (using c of cs) {}", ["a", "b"]],
    ['import data from "./d.json" with { type: "json" };\ndata', ["data"]],
    ['import old from "./d.json" assert { type: "json" };', ["old"]],
    ["@dec class A { @dec m() {} @dec accessor x = 1 }\n@dec export class B {}", ["A", "B"]],
    ["export @dec class C {}\nexport default class D {}", ["C", "D"]],
    ["const cfg = { a: 1 } satisfies Record<string, number>;\ncfg", ["cfg"]],
    ["function id<T>(x: T): T { return x }\nconst g = <T,>(x: T) => x;\nid<number>(1)", [
      "id",
      "g",
    ]],
    ["enum E { A, B = 'b' }\nconst enum F { X }\ndeclare enum G { Y }", ["E", "F", "G"]],
    ["namespace N { export const x = 1 }\ndeclare global { interface W { z: 1 } }\nN.x", []],
    ["import type { T } from './t.ts';\nimport { type U, v } from './u.ts';\nexport type { T };", [
      "v",
    ]],
    ["import type D, { type E } from './d.ts';", []],
    ["declare const d: number;\ndeclare function df(): void;\ndeclare class DC {}", [
      "d",
      "df",
      "DC",
    ]],
    ["abstract class Abs { abstract m(): void; constructor(private q: number) {} }", ["Abs"]],
    ["class O { override m() {} }", ["O"]],
    ["function f(x: string): string;\nfunction f(x: any) { return x }\nf('a')", ["f"]],
    ["import fs = require('node:fs');\nimport * as ns from 'node:path';\nimport def from 'x';", [
      "fs",
      "ns",
      "def",
    ]],
    ["const { a, b: [c, , d = 2, ...e], ...f } = o;\nlet [g, { h }] = arr, i;\nvar j;", [
      "a",
      "c",
      "d",
      "e",
      "f",
      "g",
      "h",
      "i",
      "j",
    ]],
    [
      "export const x = 1;\nexport function y() {}\nexport enum Z { A }\nexport { q } from './q.ts'",
      [
        "x",
        "y",
        "Z",
      ],
    ],
    ["type T1 = `a${string}`;\ninterface I1 { x: number }\nlet u!: unique symbol;", ["u"]],
    ["import source wasm from './m.wasm';\nexport { notDeclaredHere };", ["wasm"]],
  ];
  for (const [source, declared] of cases) {
    const out = await buildCellModule(source, { inputs: [], outputs: [] });
    assert.ok(out.ok, `${source}: ${out.ok ? "" : out.error.message}`);
    assert.deepEqual(out.module.declared, declared, source);
  }
});

Deno.test("cell_module - the display call wraps the whole final expression, however it is written", async () => {
  const m = await build("const a = 1;\nfoo(\n  a,\n  2,\n) as number", ["foo"]);
  const lines = m.code.split("\n");
  assert.equal(lines[1], "__strata$.last((foo(");
  assert.equal(lines[4], ") as number))");
  // The closing text is recorded where it was inserted: the cell's `)` keeps its column.
  assert.deepEqual(mapPosition(m, 5, 1), { line: 5, column: 1 });
  assert.match((await build("(a, b);")).code, /__strata\$\.last\(\(\(a, b\)\)\);/);
  // A cell of only a string is an expression to show (Babel reads it as a directive).
  const s = await build("'hello'");
  assert.ok(s.displaysLast);
  assert.match(s.code, /__strata\$\.last\(\('hello'\)\)/);
  const quiet = await buildCellModule("1 + 1", { inputs: [], outputs: [], displayLast: false });
  assert.ok(quiet.ok && !quiet.module.displaysLast && !/last\(/.test(quiet.module.code));
});

Deno.test("cell_module - a shebang line becomes a comment and lines keep their numbers", async () => {
  const m = await build("#!/usr/bin/env -S deno run\nconst s = 1\ns");
  const lines = m.code.split("\n");
  assert.match(lines[0], /\/\/\/usr\/bin\/env -S deno run$/);
  assert.equal(lines[1], "const s = 1");
  assert.equal(lines[2], "__strata$.last((s))");
});

Deno.test("cell_module - a rewritten import inside the displayed expression keeps positions", async () => {
  const source =
    "const m = 1;\nawait import(`./lazy.ts`) && (await import('../up.ts')).k + missing";
  const out = await buildCellModule(source, { inputs: [], outputs: [], baseDir: "/srv/nb" });
  assert.ok(out.ok);
  const line = out.module.code.split("\n")[1];
  assert.equal(
    line,
    '__strata$.last((await import("file:///srv/nb/lazy.ts") && ' +
      '(await import("file:///srv/up.ts")).k + missing))',
  );
  const col = line.indexOf("missing") + 1;
  assert.deepEqual(mapPosition(out.module, 2, col), {
    line: 2,
    column: source.split("\n")[1].indexOf("missing") + 1,
  });
});

Deno.test("cell_module - building a cell does not load the TypeScript compiler", async () => {
  const { typeScriptLoaded } = await import("../notebook/_typescript.ts");
  const { createRequire } = await import("node:module");
  await build(
    "import { a } from './a.ts';\nenum E { A }\nconst x: number = a satisfies number;\nx",
  );
  const cache = Object.keys(createRequire(import.meta.url).cache);
  assert.equal(typeScriptLoaded(), false);
  assert.equal(cache.filter((k) => /\/typescript\/lib\//.test(k)).length, 0);
});

Deno.test("cell_module - finalExpressionRange finds what the display call wraps", async () => {
  const source = "#!/bin/deno\nconst a = 1;\n(a +\n 1) as number";
  const r = await finalExpressionRange(source);
  assert.ok(r);
  assert.equal(source.slice(r.start, r.end), "(a +\n 1) as number");
  assert.equal(await finalExpressionRange("const a = 1"), undefined);
  assert.equal(await finalExpressionRange("const = 1"), undefined);
});

Deno.test("cell_module - a cell with no TypeScript syntax is built as plain JavaScript (.js), any TypeScript keeps .ts", async () => {
  const cases: [string, boolean][] = [
    ["6 * 7", true],
    ["const x = 1;\nx + 1", true],
    ["const z = a?.b?.(c) ?? d", true],
    ["class A { #p = 1; static s = 2; get p() { return this.#p } }", true],
    ["await using r = res();\nusing s = res2()", true],
    ['import d from "./d.json" with { type: "json" };\nd', true],
    ["const { a, ...rest } = obj; const [b = 1] = arr; `t${a}`", true],
    ["const x: number = 1", false],
    ["function f(x?) { return x }", false],
    ["function g<T>(x: T) { return x }", false],
    ["class A { private p = 1 }", false],
    ["class B { readonly q = 1 }", false],
    ["abstract class C {}", false],
    ["class D implements E {}", false],
    ["@dec class F {}", false],
    ["class G { accessor h = 1 }", false],
    ["import type { T } from './t.ts'", false],
    ["import { type T, u } from './t.ts'; u", false],
    ["export type { T } from './t.ts'", false],
    ["enum E { A }", false],
    ["declare const v: number", false],
    ["let v = x!;", false],
    ["const y = x as number", false],
    ["const w = x satisfies object", false],
    ["namespace N { export const a = 1 }", false],
    // JavaScript reads two comparisons, TypeScript a call with a type argument: stays .ts.
    ["a < b > (c)", false],
    ["import data from './d.json' assert { type: 'json' }", false],
  ];
  for (const [source, js] of cases) {
    const r = await buildCellModule(source, { inputs: [], outputs: [] });
    assert.ok(r.ok, `${source}: ${JSON.stringify(!r.ok && r.error)}`);
    assert.equal(r.module.js, js, source);
  }
});

Deno.test("cell_module - plain JavaScript with no module syntax may run as a function body; anything a function reads differently stays a module", async () => {
  const cases: [string, boolean][] = [
    ["6 * 7", true],
    ["const x = 1;\nx + 1", true],
    ["await fetch(u)", true],
    ["function f() { return this }\nf()", true],
    ["class A { static { this.n = 1 } }", true],
    ['import d from "./d.json" with { type: "json" };\nd', false],
    ["export const e = 1", false],
    ['const m = await import("npm:zod")', false],
    ["import.meta.url", false],
    ["arguments", false],
    ["function g() { return arguments.length }", false],
    ['eval("1 + 1")', false],
    ["a <!-- b", false],
    ["let x = 2; x --> 0", false],
    ["1\n//# sourceURL=elsewhere.js", false],
  ];
  for (const [source, script] of cases) {
    const r = await buildCellModule(source, { inputs: [], outputs: [] });
    assert.ok(r.ok, `${source}: ${JSON.stringify(!r.ok && r.error)}`);
    assert.equal(r.module.script, script, source);
  }
  // Text that would close the runner's function and run at its script's top level is not a
  // module: it never gets this far.
  const escape = await buildCellModule("1 });\nglobalThis.pwned = 1;\n(async function () {", {
    inputs: [],
    outputs: [],
  });
  assert.equal(escape.ok, false);
});

Deno.test("cell_module - a TypeScript cell runs as a function body with its types blanked (same lines and columns), unless erasing could change it", async () => {
  /** The erased cell between the builder's prelude and its closing `done(...)`. */
  const erased = async (source: string) => {
    const r = await buildCellModule(source, { inputs: [], outputs: [], displayLast: false });
    assert.ok(r.ok, `${source}: ${JSON.stringify(!r.ok && r.error)}`);
    const s = r.module.script;
    if (typeof s !== "string") return s;
    return s.slice(s.indexOf("]; ") + 3, s.lastIndexOf("\n;"));
  };
  const cases: [string, string | false][] = [
    ["const x: number = 1;\nx + 1", "const x         = 1;\nx + 1"],
    [
      "function f<T>(a: T, b?: number): T { return a }\nf<string>('s')",
      "function f   (a   , b         )    { return a }\nf        ('s')",
    ],
    ["const y = (x as unknown) as number", "const y = (x           )          "],
    ["const z = x!.y!", "const z = x .y "],
    ["const s = x satisfies object", "const s = x                 "],
    ["let d!: number; d = 2", "let d         ; d = 2"],
    ["try {} catch (e: unknown) {}", "try {} catch (e         ) {}"],
    ["const f2 = <T,>(x: T): T => x", "const f2 =     (x   )    => x"],
    // A statement erased whole leaves a `;`: `(foo)()` is not called on the line above.
    ["const a = 1\ntype T = number\n(foo)()", "const a = 1\n;              \n(foo)()"],
    ["interface I { a: number }\ni", ";                        \ni"],
    [
      "function over(a: string): void;\nfunction over(a: any) {}",
      ";                              \nfunction over(a     ) {}",
    ],
    [
      "class A implements B { private x = 1; static z?: string; declare w: number; m?(): void {} }",
      "class A              {         x = 1; static z         ; ;                  m ()       {} }",
    ],
    [
      "abstract class Q { abstract m(): void; n() {} }",
      "         class Q { ;                   n() {} }",
    ],
    // Blanking `as Foo` would make the next line an index: `a[1, 2].forEach(f)`. Refused.
    ["let v = a as Foo\n[1, 2].forEach(f)", false],
    // A line break left before `=>` does not parse as JavaScript. Refused.
    ["const r = (a): \n number => a", false],
    ["enum E { A }", false],
    ["namespace N { export const a = 1 }", false],
    ["class P { constructor(private p: number) {} }", false],
    ["const w = <T>x", false],
    ["function g(this: Window) {}", false],
    ["@dec class F {}", false],
    ["import type { T } from './t.ts'; const t: T = 1", false],
  ];
  for (const [source, want] of cases) assert.equal(await erased(source), want, source);
});
