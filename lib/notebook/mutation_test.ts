// Issue 14 item 8: in-place changes of upstream values make the cell their definer; values passed
// to unknown calls get a warning. (Analyzer and DAG; the run-time behaviour is tested in
// lib/session/mutation_test.ts.)
import assert from "node:assert/strict";
import { analyzeCell } from "./analyzer.ts";
import { buildDag } from "./dag.ts";

Deno.test("mutation - member assignments, delete and known mutating calls mark the root name", async () => {
  const cases: [string, string[]][] = [
    ["conf.level = 3", ["conf"]],
    ["conf.a.b += 1", ["conf"]],
    ["grid[0][1] = 2", ["grid"]],
    ["counter.n++", ["counter"]],
    ["items.push(1)", ["items"]],
    ["m.set('k', 1)", ["m"]],
    ["a.sort()", ["a"]],
    ["xs.splice(0, 1)", ["xs"]],
    ["tags.add('x'); seen.clear()", ["seen", "tags"]],
    ["delete o.k", ["o"]],
    ["Object.assign(opts, { a: 1 })", ["opts"]],
    ["state.list.reverse()", ["state"]],
    ["(data as number[]).fill(0)", ["data"]],
  ];
  for (const [source, expected] of cases) {
    const a = await analyzeCell(source);
    assert.deepEqual(a.mutates, expected, source);
    for (const n of expected) {
      assert.ok(
        a.defines.includes(n) && a.references.includes(n),
        `${source}: ${n} read and defined`,
      );
    }
  }
});

Deno.test("mutation - locals, reads and known globals are not mutations", async () => {
  const cases = [
    "const items = []; items.push(1)", // declared here
    "function f(o) { o.k = 1 }", // a parameter
    "items.map((x) => x * 2)",
    "items.length",
    "Math.custom = 1",
    "Deno.env.set('A', '1')",
    "globalThis.flag = true",
    "console.log(conf)",
  ];
  for (const source of cases) {
    assert.deepEqual((await analyzeCell(source)).mutates, [], source);
  }
});

Deno.test("mutation - values passed to unknown calls are escapes; primitives, functions and globals' calls are not", async () => {
  const a = await analyzeCell(
    "normalize(conf)\nconsole.log(conf)\nJSON.stringify(items)\nitems.includes(1)",
  );
  assert.deepEqual(a.escapes.map((e) => [e.name, e.callee, e.line]), [["conf", "normalize", 1]]);
  assert.deepEqual((await analyzeCell("lib.update(rows.data)")).escapes.map((e) => e.name), [
    "rows",
  ]);
  assert.deepEqual(
    (await analyzeCell("conf.x = 1; normalize(conf)")).escapes,
    [],
    "already a definer",
  );
  assert.deepEqual(
    (await analyzeCell("const n = 3\nconst s = `a${n}`\nconst f = () => 1\nconst o = {}")).fixed,
    ["f", "n", "s"],
  );
});

Deno.test("mutation - the mutating cell feeds the cells below it; an escape of a shared value warns, naming cells", async () => {
  const src = [
    "// @name setup\nconst conf = { level: 1 }\nconst n = 2",
    "conf.level = 3",
    "conf.level",
    "tweak(conf)\ntweak(n)",
  ];
  const analyses = await Promise.all(src.map((s) => analyzeCell(s)));
  const ids = ["a", "b", "c", "d"];
  const dag = buildDag(analyses.map((an, i) => ({
    id: ids[i],
    label: i === 0 ? "setup" : `[${i + 1}]`,
    defines: an.defines,
    references: an.references,
    globalReferences: an.globalReferences,
    mutates: an.mutates,
    escapes: an.escapes,
    fixed: an.fixed,
  })));
  assert.equal(dag.inputs.get("b")!.get("conf"), "a");
  assert.equal(dag.inputs.get("c")!.get("conf"), "b", "c reads the mutated conf from b");
  assert.equal(dag.inputs.get("d")!.get("conf"), "b");
  assert.deepEqual(dag.stores.get("b"), ["conf"]);
  assert.deepEqual(dag.diagnostics.get("b"), [], "a mutation is not a duplicate definition");
  const warnings = dag.diagnostics.get("d")!.filter((w) => w.code !== "undefined-name");
  assert.equal(warnings.length, 1, JSON.stringify(warnings)); // n is a primitive: no warning
  assert.equal(warnings[0].code, "possible-mutation");
  assert.equal(warnings[0].severity, "warning");
  assert.match(
    warnings[0].message,
    /'conf' is passed to tweak\(\): if that changes it, the cells below still see 'conf' as cell \[2\] made it/,
  );
});
