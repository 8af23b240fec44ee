import assert from "node:assert/strict";
import { analyzeCell } from "./analyzer.ts";

Deno.test("analyzer - syntax errors carry 1-based line and column", async () => {
  const a = await analyzeCell("const ok = 1\nconst bad = (1 + ;\n");
  assert.equal(a.diagnostics.length, 1);
  assert.equal(a.diagnostics[0].line, 2);
  assert.equal(a.diagnostics[0].column, 18);
  assert.match(a.diagnostics[0].message, /line 2, column 18: Unexpected token/);
});

Deno.test("analyzer - last expression span is reported for display", async () => {
  const source = "const x = 1\n  x * 2 // shown";
  const a = await analyzeCell(source);
  assert.equal(source.slice(a.lastExpression!.start, a.lastExpression!.end), "x * 2");
  assert.equal((await analyzeCell("const x = 1")).lastExpression, null);
});

Deno.test("analyzer - JSX cells are detected and parsed as TSX", async () => {
  const a = await analyzeCell("const el = <Table rows={rows} />");
  assert.equal(a.jsx, true);
  assert.deepEqual(a.diagnostics, []);
  assert.equal((await analyzeCell("const f = <T,>(x: T) => x")).jsx, false);
});

Deno.test("analyzer - source hash ignores comments", async () => {
  const a = await analyzeCell("const x = 1");
  const b = await analyzeCell("// note\nconst x = 1 /* again */");
  assert.equal(a.sourceHash, b.sourceHash);
});

Deno.test("analyzer - a half-typed cell keeps what it defines and reads (the cells below keep their edges)", async () => {
  const typing = await analyzeCell("const total = sum(rows)\nfunction f(x) { return x +");
  assert.deepEqual(typing.defines, ["f", "total"]);
  assert.deepEqual(typing.references, ["rows", "sum"]);
  assert.equal(typing.diagnostics.length, 1);
  assert.equal(typing.diagnostics[0].line, 2);
  const unfinished = await analyzeCell("const a = b +\nconst c = ");
  assert.deepEqual([unfinished.defines, unfinished.references], [["a", "c"], ["b"]]);
  // The patches' placeholder name is never reported, and a finished cell hashes differently.
  assert.ok(!JSON.stringify([typing, unfinished]).includes("strata_missing"));
  const done = await analyzeCell("const a = b + 0\nconst c = 0");
  assert.notEqual(done.sourceHash, unfinished.sourceHash);
  assert.deepEqual(done.diagnostics, []);
});

Deno.test("analyzer - what V8 would refuse in a module is a diagnostic before the run", async () => {
  const twice = await analyzeCell("const a = 1;\nconst a = 2;");
  assert.equal(twice.diagnostics.length, 1);
  assert.match(
    twice.diagnostics[0].message,
    /line 2, column 7: Identifier 'a' has already been declared/,
  );
  // The TypeScript plugin's own checks are left to the type checker, as TypeScript's parser did.
  assert.deepEqual((await analyzeCell("class A { override m() {} }")).diagnostics, []);
});

Deno.test("analyzer - a large broken cell is not patched again and again (bounded work on the server's thread)", async () => {
  const broken = "const a = b +\nconst c = ";
  const padding = `// ${"x".repeat(70 * 1024)}\n`;
  const small = await analyzeCell(broken);
  const large = await analyzeCell(padding + broken);
  assert.deepEqual(small.defines, ["a", "c"]);
  assert.deepEqual(large.defines, [], "no recovery past 16 KiB: its diagnostic only");
  assert.equal(large.diagnostics.length, 1);
  assert.equal(large.diagnostics[0].line, 3);
});

Deno.test("analyzer - a cell nested deeper than the parser's stack gets a clear diagnostic, never an exception", async () => {
  const nested = `const y = ${"(".repeat(5000)}1${")".repeat(5000)}`;
  const chain = `const x = ${Array.from({ length: 20_000 }, (_, i) => `a${i % 10}`).join(" + ")}`;
  for (const source of [nested, chain]) {
    const a = await analyzeCell(source); // the TypeScript analyzer threw RangeError from 1,000 terms
    assert.equal(a.diagnostics.length, 1);
    assert.match(a.diagnostics[0].message, /nests its expressions too deeply/);
    assert.deepEqual(a.defines, []);
  }
  // A long chain the parser can read is analyzed as usual.
  const ok = await analyzeCell(
    `const z = ${Array.from({ length: 1000 }, (_, i) => `b${i % 5}`).join(" + ")}`,
  );
  assert.deepEqual([ok.defines, ok.references, ok.diagnostics], [["z"], [
    "b0",
    "b1",
    "b2",
    "b3",
    "b4",
  ], []]);
});
