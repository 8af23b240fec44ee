import assert from "node:assert/strict";
import { loadAnalyzer } from "../notebook/analyzer.ts";
import { cellIdOfFile, composeCells } from "./virtual_cells.ts";

const analyzer = await loadAnalyzer();
const cell = (id: string, source: string, language: "typescript" | "markdown" = "typescript") => ({
  id,
  language,
  source,
  analysis: language === "typescript" ? analyzer.analyze(source) : null,
});

Deno.test("virtual cells - a cell imports the upstream names it reads from the nearest definer", () => {
  const files = composeCells([
    cell("a", "const x = 1; const y = 2;"),
    cell("m", "# notes", "markdown"),
    cell("b", "const x = 'shadow';\ntype Row = { n: number };"),
    cell("c", "const r: Row = { n: x.length + y };"),
  ]);
  assert.deepEqual([...files.keys()], ["a", "b", "c"]);
  const c = files.get("c")!;
  assert.deepEqual([...c.upstream], [["x", "b"], ["y", "a"], ["Row", "b"]]);
  assert.equal(c.prelude.split("\n").length, 2, "the prelude is exactly one line");
  assert.ok(c.text.endsWith("\nconst r: Row = { n: x.length + y };"));
  assert.match(c.prelude, /import \{ x, Row \} from "\.\/b\.ts";/);
  assert.match(c.prelude, /import \{ y \} from "\.\/a\.ts";/);
  assert.deepEqual(files.get("a")!.upstream.size, 0);
  assert.equal(files.get("b")!.prelude, "export { x, Row };\n", "b reads nothing upstream");
  assert.equal(cellIdOfFile(c.fileName), "c");
  assert.equal(cellIdOfFile("/strata-virtual/lib/deno.d.ts"), null);
});

Deno.test("virtual cells - own definitions are not imported, unresolved names are listed", () => {
  const files = composeCells([cell("a", "const x = 1;"), cell("b", "const x = 2; x + nope")]);
  const b = files.get("b")!;
  assert.equal(b.upstream.size, 0);
  assert.deepEqual([...b.unresolved], ["nope"]);
  assert.equal(b.prelude, "export { x };\n");
});

Deno.test("virtual cells - names a cell exports itself are not exported again", () => {
  const files = composeCells([
    cell("a", "export const v = 1;\nconst w = 2;\nexport { w as ww };\nconst z = 3;"),
  ]);
  assert.equal(files.get("a")!.prelude, "export { z };\n");
});
