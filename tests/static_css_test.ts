// The page stylesheet parses as a whole: one unclosed rule makes browsers read every later rule
// as nested in it, and the notebook page loses its cell styles (happened once in a merge).
import assert from "node:assert/strict";

Deno.test("static css - every block closes at top level (no rule swallows the rest)", async () => {
  const css = (await Deno.readTextFile(new URL("../static/app.css", import.meta.url)))
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
  let depth = 0;
  const openAt: string[] = [];
  const lines = css.split("\n");
  lines.forEach((line, i) => {
    // Only @media/@supports/@keyframes blocks may contain rules; a plain rule never nests.
    if (depth === 1 && /\{/.test(line) && !openAt.at(-1)!.startsWith("@")) {
      assert.fail(`static/app.css line ${i + 1}: a rule opens inside '${openAt.at(-1)}'`);
    }
    for (const ch of line) {
      if (ch === "{") {
        depth++;
        openAt.push(line.trim());
      } else if (ch === "}") {
        depth--;
        openAt.pop();
      }
    }
    assert.ok(depth >= 0, `static/app.css line ${i + 1}: '}' without a block`);
  });
  assert.equal(depth, 0, `static/app.css ends inside '${openAt.at(-1)}'`);
  assert.ok(lines.length > 100);
});
