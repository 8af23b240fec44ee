import assert from "node:assert/strict";
import { buildCellModule, mapPosition } from "./cell_module.ts";

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
