// Issue 14 item 5: relative imports of a cell resolve against the notebook folder, although the
// module the child imports is written to a scratch folder.
import assert from "node:assert/strict";
import { buildCellModule, mapPosition } from "./cell_module.ts";

Deno.test("cell_module - ./ and ../ imports become file URLs of the notebook folder; others stay", async () => {
  const source = [
    'import { f } from "./helper.ts"; const bad = f(1) + missing;',
    'export { g } from "../shared/g.ts";',
    'import x from "npm:left-pad@1";',
    'const later = await import("./lazy.ts");',
  ].join("\n");
  const out = await buildCellModule(source, { inputs: [], outputs: [], baseDir: "/srv/nb" });
  assert.ok(out.ok);
  const lines = out.module.code.split("\n");
  assert.match(lines[0], /from "file:\/\/\/srv\/nb\/helper\.ts"; const bad/);
  assert.equal(lines[1], 'export { g } from "file:///srv/shared/g.ts";');
  assert.equal(lines[2], 'import x from "npm:left-pad@1";');
  assert.match(lines[3], /await import\("file:\/\/\/srv\/nb\/lazy\.ts"\)/);
  // An error after the rewritten specifier still points at the cell's own column.
  const col = lines[0].indexOf("missing") + 1;
  assert.deepEqual(mapPosition(out.module, 1, col), {
    line: 1,
    column: source.split("\n")[0].indexOf("missing") + 1,
  });
});

Deno.test("cell_module - without a notebook folder, specifiers are left alone", async () => {
  const out = await buildCellModule('import { f } from "./helper.ts";', {
    inputs: [],
    outputs: [],
  });
  assert.ok(out.ok);
  assert.match(out.module.code, /from "\.\/helper\.ts"/);
});
