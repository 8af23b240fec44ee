import assert from "node:assert/strict";
import { loadAnalyzer } from "../notebook/analyzer.ts";
import { NotebookTypes } from "./notebook_types.ts";

const analyzer = await loadAnalyzer();
const model = (...sources: string[]) =>
  sources.map((source, i) => ({
    cell: { id: `c${i}`, language: "typescript" as const, source },
    analysis: analyzer.analyze(source),
  }));

function typesWithSignal(background: boolean) {
  let signal: () => void = () => {};
  let changes = 0;
  const types = new NotebookTypes({
    analyzer,
    background,
    onChange: () => {
      changes++;
      signal();
    },
  });
  // The checker's timers are unref'd (they never keep a process alive): hold the loop open here.
  const changed = () =>
    new Promise<void>((ok) => {
      const alive = setInterval(() => {}, 1000);
      signal = () => {
        clearInterval(alive);
        ok();
      };
    });
  return { types, changed, count: () => changes };
}

Deno.test("notebook types - background check reports warnings for the current source only", async () => {
  const { types, changed, count } = typesWithSignal(true);
  const first = changed();
  types.update(model("const a = 1;", 'const n: number = "x";'));
  await first;
  assert.equal(count(), 1);
  const warnings = types.diagnostics("c1", 'const n: number = "x";');
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0].source, "types");
  assert.deepEqual(types.diagnostics("c0", "const a = 1;"), []);
  assert.deepEqual(types.diagnostics("c1", "const n = 2;"), [], "another source: no stale lines");

  // Fixing the upstream cell's type clears the downstream warning.
  const second = changed();
  types.update(model("const a = 1;", "const n: number = 2;"));
  await second;
  assert.deepEqual(types.diagnostics("c1", "const n: number = 2;"), []);
  types.dispose();
});

Deno.test("notebook types - without background checking the service is built on first request", async () => {
  const { types, count } = typesWithSignal(false);
  types.update(model("const sales = [{ amount: 1 }];", ""));
  assert.deepEqual(types.diagnostics("c1", ""), []);
  const r = await types.complete("c1", "sales.", 6);
  assert.ok(r.items.some((i) => i.label === "filter"));
  assert.equal(
    (await types.hover("c1", "sales", 1)).text,
    "const sales: {\n    amount: number;\n}[]",
  );
  assert.deepEqual(await types.definition("c1", "sales", 1), { cellId: "c0", line: 1, column: 7 });
  assert.equal(count(), 0, "nothing to report: no warnings");
  types.dispose();
  assert.deepEqual((await types.complete("c1", "sales.", 6)).items, [], "disposed: no answers");
});

Deno.test("notebook types - an idle service is freed, keeps its warnings, and comes back on use", async () => {
  let now = 1_000;
  let signal: () => void = () => {};
  const types = new NotebookTypes({
    analyzer,
    background: true,
    idleMs: 60_000,
    now: () => now,
    onChange: () => signal(),
  });
  const alive = setInterval(() => {}, 1000);
  try {
    const checked = new Promise<void>((ok) => signal = ok);
    types.update(model("const sales = [1];", 'const n: number = "x";'));
    await checked;
    assert.ok(types.active);
    now += 59_000;
    assert.equal(types.releaseIfIdle(), false, "used a minute ago");
    now += 2_000;
    assert.equal(types.releaseIfIdle(), true);
    assert.ok(!types.active);
    assert.equal(types.diagnostics("c1", 'const n: number = "x";').length, 1, "warnings kept");
    // A rebuild that changed nothing (a run finished) does not build it again ...
    types.update(model("const sales = [1];", 'const n: number = "x";'));
    assert.ok(!types.active);
    // ... a request does.
    const r = await types.complete("c1", "sales.", 6);
    assert.ok(r.items.some((i) => i.label === "map"));
    assert.ok(types.active);
  } finally {
    clearInterval(alive);
    types.dispose();
  }
});
