import assert from "node:assert/strict";
import { ValidationError } from "../errors.ts";
import { parseIpynb, renderIpynb } from "./ipynb.ts";
import { codeCell, snapshotOf } from "./_snapshot_fixture.ts";

/** Sources that a naive line split would change. */
const SOURCES = [
  "const a = 1",
  "const b = 2\n",
  "const c = 3\n\n\n",
  "const d = 'crlf'\r\nconst e = 5\r\n",
  "",
  "\n",
  "// ünïcödé ✓ 🎉\nconst f = `tab\there`",
];

Deno.test("ipynb - export then parse gives every source back byte for byte", () => {
  const cells = SOURCES.map((s, i) => codeCell(`c${i}`, s));
  cells.push({ ...codeCell("m1", "# Title\n\ntext  \n"), language: "markdown", outputs: null });
  cells.push({ ...codeCell("p1", "Summarise the table"), language: "prompt", outputs: null });
  const text = renderIpynb(snapshotOf(cells));
  const parsed = parseIpynb(text, "x.ipynb");
  assert.equal(parsed.cells.length, cells.length);
  assert.deepEqual(parsed.cells.map((c) => c.source), cells.map((c) => c.source));
  assert.deepEqual(parsed.cells.map((c) => c.language), cells.map((c) => c.language));
  assert.deepEqual(parsed.cells.map((c) => c.strataId), cells.map((c) => c.id));
});

Deno.test("ipynb - Deno kernel metadata and outputs as mime bundles with receipts", () => {
  const cell = codeCell("c1", "rows");
  cell.outputs!.console = [{ stream: "stdout", text: "hello\n" }];
  cell.outputs!.displays = [
    { type: "svg", data: "<svg/>" },
    { type: "table", data: { columns: ["a"], rows: [[1], [2]], totalRows: 2 } },
  ];
  const nb = JSON.parse(renderIpynb(snapshotOf([cell])));
  assert.equal(nb.nbformat, 4);
  assert.equal(nb.metadata.kernelspec.name, "deno");
  assert.equal(nb.metadata.language_info.name, "typescript");
  const outs = nb.cells[0].outputs;
  assert.deepEqual(outs.map((o: { output_type: string }) => o.output_type), [
    "stream",
    "display_data",
    "execute_result",
  ]);
  assert.deepEqual(outs[1].data["image/svg+xml"], ["<svg/>"]);
  assert.deepEqual(outs[2].data["application/vnd.dataresource+json"].data, [{ a: 1 }, { a: 2 }]);
  assert.equal(outs[2].metadata.strata.receipt.outputHash, "b".repeat(64));
  assert.equal(outs[2].execution_count, nb.cells[0].execution_count);
});

Deno.test("ipynb - malformed and foreign notebooks are clear errors", () => {
  const cases: [string, RegExp][] = [
    ["{not json", /Cannot import 'f.ipynb': not JSON/],
    ["[]", /not a Jupyter notebook/],
    [JSON.stringify({ nbformat: 4, cells: [{ cell_type: "code" }] }), /cells\.0\.source/],
    [JSON.stringify({ nbformat: 3, cells: [] }), /nbformat: only nbformat 4/],
    [
      JSON.stringify({ nbformat: 4, metadata: { language_info: { name: "python" } }, cells: [] }),
      /it is a python notebook; only TypeScript and JavaScript/,
    ],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseIpynb(text, "f.ipynb"), (err: unknown) => {
      assert.ok(err instanceof ValidationError);
      assert.match((err as Error).message, message);
      return true;
    });
  }
});
