import assert from "node:assert/strict";
import type { CellView, NotebookState, OutputView } from "../protocol/notebook_state.ts";
import { outputContent, summarizeNotebook } from "./content.ts";

function outputs(displays: OutputView["displays"], more: Partial<OutputView> = {}): OutputView {
  return {
    displays,
    console: [],
    consoleTruncated: false,
    error: null,
    cacheHit: false,
    durationMs: 5,
    finishedAt: "2026-01-01T00:00:00.000Z",
    current: true,
    ...more,
  };
}

function cell(id: string, out: OutputView | null, more: Partial<CellView> = {}): CellView {
  return {
    id,
    name: null,
    language: "typescript",
    file: `cells/${id}.ts`,
    source: `// ${id}`,
    label: `[${id}]`,
    lazy: false,
    version: "0000000000000000",
    status: out ? "ready" : "idle",
    staleReason: null,
    why: [],
    whyText: null,
    defines: [],
    references: [],
    upstream: [],
    diagnostics: [],
    grants: { requested: [], refused: [], awaitingApproval: [], blocked: null },
    provenance: null,
    outputs: out,
    ...more,
  };
}

function state(cells: CellView[]): NotebookState {
  return {
    sessionId: "s1",
    seq: 0,
    busy: false,
    notebook: {
      id: "n",
      name: "N",
      owner: null,
      path: "n",
      createdAt: "",
      updatedAt: "",
      timeout: null,
    },
    env: [],
    secretManager: null,
    awaitingApproval: [],
    viewers: 0,
    onChange: "autorun",
    cells,
    dag: { order: cells.map((c) => c.id), edges: [] },
  };
}

const PNG = "iVBORw0KGgo" + "A".repeat(40_000);
const rows = Array.from({ length: 1_000 }, (_, i) => [i, `row ${i}`]);

Deno.test("content - a notebook summary stays near its budget however large the outputs", () => {
  const big = "x".repeat(2_000_000);
  const s = state([
    cell("a", outputs([{ type: "text", data: big }])),
    cell("b", outputs([{ type: "table", data: { columns: ["n", "s"], rows, totalRows: 1_000 } }])),
    cell(
      "c",
      outputs([{ type: "png", data: PNG }], { console: [{ stream: "stdout", text: big }] }),
    ),
    cell("d", null),
  ]);
  const summary = summarizeNotebook(s, 9_000);
  const size = JSON.stringify(summary).length;
  assert.ok(size < 12_000, `summary is ${size} characters`);
  const [a, b, c, d] = summary.cells;
  assert.match(
    (a.outputs!.displays[0] as { text: string }).text,
    /more characters; use get_output/,
  );
  const table = b.outputs!.displays[0] as { rows: unknown[]; totalRows: number };
  assert.equal(table.rows.length, 5);
  assert.equal(table.totalRows, 1_000);
  assert.deepEqual(table.rows[0], { n: 0, s: "row 0" });
  assert.deepEqual(c.outputs!.displays[0], {
    type: "png",
    bytes: Math.floor(PNG.length * 3 / 4),
    note: "an image: read it with get_output",
  });
  assert.equal(d.outputs, null);
});

Deno.test("content - get_output gives tables as rows up to the limit and images as image content", () => {
  const c = cell(
    "t",
    outputs([
      { type: "table", data: { columns: ["n", "s"], rows, totalRows: 1_000 } },
      { type: "png", data: PNG },
      { type: "text", data: "hello" },
    ], {
      console: [{ stream: "stdout", text: "log line\n" }],
      error: { kind: "exception", message: "boom", line: 3 },
    }),
    { name: "tbl" },
  );
  const content = outputContent(c, { rowLimit: 3, maxChars: 1_000 });
  assert.equal(content.length, 6);
  assert.match((content[0] as { text: string }).text, /^Cell 'tbl' \(t\): ready/);
  const table = JSON.parse((content[1] as { text: string }).text);
  assert.deepEqual(table.rows, [{ n: 0, s: "row 0" }, { n: 1, s: "row 1" }, { n: 2, s: "row 2" }]);
  assert.equal(table.shownRows, 3);
  assert.equal(table.totalRows, 1_000);
  assert.deepEqual(content[2], { type: "image", data: PNG, mimeType: "image/png" });
  assert.deepEqual(content[3], { type: "text", text: "hello" });
  assert.deepEqual(content[4], { type: "text", text: "console:\nlog line\n" });
  assert.deepEqual(content[5], { type: "text", text: "error (exception) (line 3): boom" });
});

Deno.test("content - a cell without outputs says so and how to get them", () => {
  const content = outputContent(cell("x", null, { status: "stale" }), {
    rowLimit: 10,
    maxChars: 100,
  });
  assert.deepEqual(content, [{
    type: "text",
    text: "Cell 'x' has no outputs yet (status: stale); run it with run_cell",
  }]);
});
