import assert from "node:assert/strict";
import { buildDag } from "../notebook/dag.ts";
import { notebookProvenance } from "../notebook/provenance.ts";
import type { NotebookModel } from "../session/cell_model.ts";
import { applyWidgets, widgetEnvHash } from "./widget_model.ts";
import { withWidgetValue } from "./widget_values.ts";

/** Three cells: b reads a (which holds the widget), c stands alone. */
function model(): NotebookModel {
  const dag = buildDag([
    { id: "a", defines: ["n"], references: [] },
    { id: "b", defines: ["m"], references: ["n"] },
    { id: "c", defines: ["k"], references: [] },
  ] as never);
  const provenance = notebookProvenance(
    ["a", "b", "c"].map((id) => ({ id, sourceHash: `s-${id}`, envHash: `e-${id}` })),
    dag,
  );
  return { cells: [], byId: new Map(), dag, provenance, states: new Map() };
}

Deno.test("widget model - a value changes the defining cell's and its dependents' provenance only", () => {
  const base = model();
  const p = (m: NotebookModel, id: string) => m.provenance.get(id)!.provenance;
  const five = applyWidgets(base, { a: { n: 5 } });
  assert.notEqual(p(five, "a"), p(base, "a"));
  assert.notEqual(p(five, "b"), p(base, "b"));
  assert.equal(p(five, "c"), p(base, "c"));
  assert.deepEqual(five.widgets?.get("a"), { n: 5 });
  // Same values, same provenance (whatever model it is applied over); cleared: back to base.
  assert.equal(p(applyWidgets(five, { a: { n: 5 } }), "b"), p(five, "b"));
  assert.notEqual(p(applyWidgets(five, { a: { n: 6 } }), "a"), p(five, "a"));
  const cleared = applyWidgets(five, withWidgetValue({ a: { n: 5 } }, "a", "n", undefined));
  assert.equal(p(cleared, "a"), p(base, "a"));
  assert.equal(p(cleared, "b"), p(base, "b"));
  assert.equal(cleared.widgets, undefined);
  // Values of unknown cells are ignored; no values leave the env hash as it is.
  assert.equal(applyWidgets(base, { gone: { n: 1 } }), base);
  assert.equal(widgetEnvHash("e", {}), "e");
  assert.equal(widgetEnvHash("e", { x: 1, y: 2 }), widgetEnvHash("e", { y: 2, x: 1 }));
});

Deno.test("widget model - a cell's local modules stay in its provenance when widget values apply", () => {
  const dag = buildDag([
    { id: "a", defines: ["n"], references: [] },
    { id: "b", defines: [], references: [] },
  ] as never);
  const withHelper = (hash: string): NotebookModel => ({
    cells: [],
    byId: new Map(),
    dag,
    provenance: notebookProvenance([
      { id: "a", sourceHash: "s-a", envHash: "e-a", modules: { "helper.ts": hash } },
      { id: "b", sourceHash: "s-b", envHash: "e-b" },
    ], dag),
    states: new Map(),
  });
  const values = { b: { slider: 3 } }; // a value on another cell than the importer
  const one = applyWidgets(withHelper("1"), values).provenance.get("a")!;
  const two = applyWidgets(withHelper("2"), values).provenance.get("a")!;
  assert.deepEqual(one.modules, { "helper.ts": "1" });
  assert.notEqual(one.provenance, two.provenance, "editing helper.ts still changes a's provenance");
  assert.equal(one.provenance, withHelper("1").provenance.get("a")!.provenance);
});
