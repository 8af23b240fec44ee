// Issue 14 item 8 at run time: cells below a mutating cell see the mutated value, whether they
// run in the same child, in another child, or come from the cache; the upstream's stored value
// stays as it was made.
import assert from "node:assert/strict";
import { NotebookSession } from "./notebook_session.ts";
import { cellView, sessionFixture, shown } from "./_session_fixture.ts";

const SEPARATE_CHILD = "// @allow env=STRATA_TEST_OTHER_CHILD\n"; // other permissions: own child

for (const [where, prefix] of [["one child", ""], ["separate children", SEPARATE_CHILD]]) {
  Deno.test(`session - mutation across cells (${where}): fresh, cached, and re-run from the upstream's stored value`, async () => {
    const { root, deps, scope, cleanup } = await sessionFixture();
    try {
      let s = await NotebookSession.open(root, scope, deps);
      const a = await s.addCell({
        source: "const items = [1]\nconst conf = { level: 1 }\nconst seen = new Map()",
      });
      const b = await s.addCell({ source: `${prefix}items.push(2)\nconf.level = 3` });
      const c = await s.addCell({ source: "items.length * 10 + conf.level" });
      await s.addCell({ source: `${prefix}seen.set("k", 1)` });
      const n = await s.addCell({ source: "seen.size" });
      let run = await s.runAll();
      assert.ok(run.ok, JSON.stringify(s.state().cells.map((x) => x.outputs?.error)));
      assert.equal(shown(s, c), "23", "fresh: c sees items [1, 2] and level 3");
      assert.equal(shown(s, n), "1");

      // A new session over the same stores: everything from the cache, same values.
      s = await NotebookSession.open(root, scope, deps);
      run = await s.runAll();
      assert.equal(run.cells.length, 5);
      assert.ok(run.cells.every((r) => r.cacheHit), "all cache hits");
      assert.equal(shown(s, c), "23", "cached: still the mutated value");

      // Re-run the mutating cell alone (a cache miss) on a's stored value: that value must not
      // carry b's earlier mutation, or items would be [1, 2, 4].
      await s.editCell(b, `${prefix}items.push(4)\nconf.level = 5`);
      run = await s.execute(b);
      assert.deepEqual(run.cells.map((r) => [r.cellId, r.cacheHit]), [[a, true], [b, false], [
        c,
        false,
      ]]);
      assert.equal(shown(s, c), "25");
      assert.equal(cellView(s, c).status, "ready");
    } finally {
      await cleanup();
    }
  });
}

Deno.test("session - a value passed to an unknown function gets a warning that says what later cells see", async () => {
  const { root, deps, scope, cleanup } = await sessionFixture();
  try {
    const s = await NotebookSession.open(root, scope, deps);
    await s.addCell({
      source: "// @name setup\nconst conf = { level: 1 }\nfunction bump(o) { o.level++ }",
    });
    const b = await s.addCell({ source: "bump(conf)" });
    const warnings = cellView(s, b).diagnostics.filter((d) => d.code === "possible-mutation");
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0].message,
      /'conf' is passed to bump\(\).*still see 'conf' as cell setup made it/,
    );
  } finally {
    await cleanup();
  }
});
