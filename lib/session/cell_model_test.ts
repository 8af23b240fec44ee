import assert from "node:assert/strict";
import { loadAnalyzer } from "../notebook/analyzer.ts";
import type { NotebookCell } from "../notebook/format.ts";
import { buildModel, type ModelInput } from "./cell_model.ts";

const analyzer = await loadAnalyzer();

function cell(id: string, source: string, order: number): NotebookCell {
  return { id, file: `${id}.ts`, language: "typescript", order, source, diagnostics: [] };
}

function input(cells: NotebookCell[]): ModelInput {
  return {
    root: "/nb",
    cells,
    analyzer,
    analysisCache: new Map(),
    env: { REGION: "eu" },
    denoVersion: "2.0.0",
    lockHash: null,
    runtime: { version: 1, cells: {} },
    running: new Set(),
    forced: new Set(),
  };
}

/** Everything a model says, comparable with deepEqual (the DAG's maps and sets included). */
function view(m: ReturnType<typeof buildModel>) {
  return {
    cells: m.cells.map((c) => ({ ...c })),
    dag: m.dag,
    provenance: m.provenance,
    states: m.states,
  };
}

const base = [
  cell("a", "// @name load\nconst x = 1", 0),
  cell("b", "const y = x + 1", 1),
  cell("c", "const z = Deno.env.get('REGION') + y", 2),
  cell("d", "// @after load\nconsole.log(w)", 3),
  cell("e", "z", 4),
];

Deno.test("cell model - an update from the previous model equals a full build (issue 20)", () => {
  const edit = (i: number, source: string) =>
    base.map((c, j) => j === i ? { ...c, source } : { ...c }); // a fresh read: new objects
  const cases: [string, NotebookCell[]][] = [
    ["body edit, same definitions", edit(1, "const y = x + 2")],
    ["edit that defines another name", edit(1, "const w = x + 2")],
    ["edit that reads another name", edit(4, "y")],
    ["annotation edit (name, @after target)", edit(0, "// @name other\nconst x = 1")],
    ["@env edit", edit(2, "// @env REGION=us\nconst z = Deno.env.get('REGION') + y")],
    ["cell added", [...base, cell("f", "const q = z", 5)]],
    ["cell removed", base.filter((c) => c.id !== "b")],
    ["cells reordered", [base[1], base[0], ...base.slice(2)].map((c, i) => ({ ...c, order: i }))],
    [
      "a missing cell file",
      base.map((c) =>
        c.id === "e"
          ? {
            ...c,
            source: "",
            diagnostics: [{
              severity: "error" as const,
              code: "cell-file",
              message: "Cell file e.ts is missing",
            }],
          }
          : c
      ),
    ],
    ["nothing changed", base.map((c) => ({ ...c }))],
  ];
  for (const [name, cells] of cases) {
    const previous = buildModel(input(base));
    const updated = buildModel(input(cells), previous);
    assert.deepEqual(view(updated), view(buildModel(input(cells))), name);
  }
});

Deno.test("cell model - an edit keeps what it cannot change and re-derives the rest", () => {
  const previous = buildModel(input(base));
  const cells = base.map((c) => c.id === "b" ? { ...c, source: "const y = x + 2" } : { ...c });
  const updated = buildModel(input(cells), previous);
  assert.equal(updated.dag, previous.dag, "same definitions and reads: the DAG is kept");
  const changed = ["a", "b", "c", "d", "e"].filter((id) =>
    updated.provenance.get(id) !== previous.provenance.get(id)
  );
  assert.deepEqual(changed, ["b", "c", "e"], "the edited cell and its dependents only");
  const renamed = buildModel(
    input(base.map((c) => c.id === "b" ? { ...c, source: "const w = x + 2" } : c)),
    previous,
  );
  assert.notEqual(renamed.dag, previous.dag, "new definitions: the DAG is rebuilt");
  assert.ok(renamed.byId.get("d")!.diagnostics.every((d) => d.code !== "undefined-name"));
});
