import assert from "node:assert/strict";
import { analyzeCell } from "./analyzer.ts";

Deno.test("analyzer - syntax errors carry 1-based line and column", async () => {
  const a = await analyzeCell("const ok = 1\nconst bad = (1 + ;\n");
  assert.equal(a.diagnostics.length, 1);
  assert.equal(a.diagnostics[0].line, 2);
  assert.equal(a.diagnostics[0].column, 18);
  assert.match(a.diagnostics[0].message, /line 2, column 18: Expression expected/);
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
