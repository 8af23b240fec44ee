import assert from "node:assert/strict";
import {
  buildDag,
  type DagCellInput,
  dirtyAfterEdit,
  downstreamOf,
  downstreamOfAll,
  upstreamOf,
} from "./dag.ts";

function cell(
  id: string,
  defines: string[],
  references: string[],
  extra: Partial<DagCellInput> = {},
) {
  return { id, defines, references, ...extra };
}

function edgePairs(cells: DagCellInput[]): string[] {
  return buildDag(cells).edges.map((e) => `${e.from}->${e.to}`).sort();
}

function codes(dag: ReturnType<typeof buildDag>, id: string): string[] {
  return dag.diagnostics.get(id)!.map((d) => d.code);
}

Deno.test("dag - shadowing: a and b define df, c reads it, only b feeds c", () => {
  const cells = [cell("a", ["df"], []), cell("b", ["df"], []), cell("c", ["x"], ["df"])];
  const dag = buildDag(cells);
  assert.deepEqual(edgePairs(cells), ["b->c"]);
  assert.equal(dag.inputs.get("c")!.get("df"), "b");
  assert.deepEqual(codes(dag, "a"), ["duplicate-definition"]);
  assert.deepEqual(codes(dag, "b"), ["duplicate-definition"]);
  assert.deepEqual(codes(dag, "c"), []);
});

Deno.test("dag - table of wiring cases", () => {
  const table: { label: string; cells: DagCellInput[]; edges: string[] }[] = [
    {
      label: "chain",
      cells: [cell("a", ["x"], []), cell("b", ["y"], ["x"]), cell("c", [], ["y"])],
      edges: ["a->b", "b->c"],
    },
    {
      label: "reference to a later definer has no edge",
      cells: [cell("a", [], ["x"]), cell("b", ["x"], [])],
      edges: [],
    },
    {
      label: "mutation rewires readers below it",
      cells: [
        cell("a", ["df"], []),
        cell("b", ["df"], ["df"], { mutates: ["df"] }),
        cell("c", [], ["df"]),
      ],
      edges: ["a->b", "b->c"],
    },
    {
      label: "global not defined by any cell has no edge",
      cells: [cell("a", ["x"], []), cell("b", [], [], { globalReferences: ["fetch"] })],
      edges: [],
    },
    {
      label: "cell-defined name shadows a global",
      cells: [cell("a", ["fetch"], []), cell("b", [], [], { globalReferences: ["fetch"] })],
      edges: ["a->b"],
    },
    {
      label: "@after by name",
      cells: [cell("a", [], [], { name: "setup" }), cell("b", [], [], { after: ["setup"] })],
      edges: ["a->b"],
    },
  ];
  for (const row of table) assert.deepEqual(edgePairs(row.cells), row.edges, row.label);
});

Deno.test("dag - a mutation is not a duplicate definition", () => {
  const dag = buildDag([cell("a", ["n"], []), cell("b", ["n"], ["n"], { mutates: ["n"] })]);
  assert.deepEqual(codes(dag, "a"), []);
  assert.deepEqual(codes(dag, "b"), []);
});

Deno.test("dag - undefined and later-defined names are warnings on the reader", () => {
  const dag = buildDag([cell("a", [], ["later", "nowhere"]), cell("b", ["later"], [])]);
  assert.deepEqual(codes(dag, "a").sort(), ["defined-later", "undefined-name"]);
  assert.ok(dag.diagnostics.get("a")!.every((d) => d.severity === "warning"));
});

Deno.test("dag - @after can move a cell before an earlier one in topological order", () => {
  const dag = buildDag([cell("a", [], [], { after: ["b"] }), cell("b", [], [])]);
  assert.deepEqual(dag.order, ["b", "a"]);
});

Deno.test("dag - cycles are error diagnostics, the cells still appear in the order", () => {
  const dag = buildDag([
    cell("a", ["x"], [], { after: ["b"] }),
    cell("b", [], ["x"]),
    cell("c", [], []),
    cell("d", [], [], { after: ["d", "ghost"] }),
  ]);
  assert.deepEqual(codes(dag, "a"), ["cycle"]);
  assert.deepEqual(codes(dag, "b"), ["cycle"]);
  assert.deepEqual(codes(dag, "d").sort(), ["cycle", "unknown-after"]);
  assert.deepEqual(dag.order, ["c", "d", "a", "b"]);
});

Deno.test("dag - cells store only the variables read downstream", () => {
  const dag = buildDag([
    cell("a", ["df", "tmp", "helper"], []),
    cell("b", ["summary"], ["df", "helper"]),
    cell("c", [], ["summary"]),
  ]);
  assert.deepEqual(dag.stores.get("a"), ["df", "helper"]);
  assert.deepEqual(dag.stores.get("b"), ["summary"]);
  assert.deepEqual(dag.stores.get("c"), []);
});

Deno.test("dag - upstream and downstream sets are transitive", () => {
  const dag = buildDag([
    cell("a", ["x"], []),
    cell("b", ["y"], ["x"]),
    cell("c", [], ["y"]),
    cell("d", [], []),
  ]);
  assert.deepEqual([...upstreamOf(dag, "c")].sort(), ["a", "b"]);
  assert.deepEqual([...downstreamOf(dag, "a")].sort(), ["b", "c"]);
  assert.deepEqual([...downstreamOf(dag, "d")], []);
});

Deno.test("dag - dirty set after an edit covers old and new dependents", () => {
  const before = buildDag([
    cell("a", ["x"], []),
    cell("b", ["x"], []),
    cell("c", [], ["x"]),
    cell("d", [], []),
  ]);
  assert.deepEqual(dirtyAfterEdit(before, before, "a"), ["a"]);
  // b stops defining x: c now reads a's x, so c is dirty although b has no dependents any more.
  const after = buildDag([
    cell("a", ["x"], []),
    cell("b", [], []),
    cell("c", [], ["x"]),
    cell("d", [], []),
  ]);
  assert.deepEqual(dirtyAfterEdit(before, after, "b"), ["b", "c"]);
  assert.deepEqual(dirtyAfterEdit(null, after, "a"), ["a", "c"]);
});

Deno.test("dag - downstream of several cells is the union of each one's; a whole chain is dirty after editing its head", () => {
  const dag = buildDag([
    cell("a", ["x"], []),
    cell("b", ["y"], ["x"]),
    cell("c", ["z"], []),
    cell("d", [], ["z"]),
    cell("e", [], ["y", "z"]),
  ]);
  const union = (ids: string[]) => new Set(ids.flatMap((id) => [...downstreamOf(dag, id)]));
  for (const ids of [[], ["a"], ["a", "c"], ["b", "d"], ["e"], ["a", "b", "c", "d", "e"]]) {
    assert.deepEqual([...downstreamOfAll(dag, ids)].sort(), [...union(ids)].sort(), ids.join());
  }
  // Every cell of a 3,000-cell chain is downstream of its head (one walk from all seeds).
  const n = 3_000;
  const chain = Array.from(
    { length: n },
    (_, i) => cell(`k${i}`, [`v${i}`], i ? [`v${i - 1}`] : []),
  );
  const edited = buildDag(chain);
  assert.equal(dirtyAfterEdit(edited, edited, "k0").length, n);
});
