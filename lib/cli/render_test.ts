import assert from "node:assert/strict";
import { dagDot, dagText, displaySummary, displayText, runText, SUMMARY_ROWS } from "./render.ts";

Deno.test("cli render - run text shows status, cache hit, duration, console, outputs and errors", () => {
  const text = runText({
    ok: false,
    cells: [
      {
        id: "a",
        name: "load",
        status: "ready",
        cacheHit: true,
        durationMs: 12.5,
        displays: [{ type: "text", data: "20" }],
        console: [{ stream: "stdout", text: "hi\n" }],
        error: null,
      },
      {
        id: "b",
        name: null,
        status: "error",
        cacheHit: false,
        durationMs: 3,
        displays: [],
        console: [],
        error: { kind: "exception", message: "boom", line: 2, column: 7 },
      },
    ],
  });
  assert.equal(
    text,
    [
      "ok    a (load)  cache hit (ran in 12.5 ms)",
      "  | hi",
      "  20",
      "FAIL  b  ran in 3 ms",
      "  ! exception: boom (line 2, column 7)",
      "FAILED: 2 cell(s), 1 cache hit(s), 1 failed",
    ].join("\n"),
  );
});

Deno.test("cli render - tables as tab-separated rows, binary outputs summarised", () => {
  assert.equal(
    displayText({
      type: "table",
      data: { columns: ["n", "s"], rows: [[1, "a"], [2, { b: 1 }]], totalRows: 3 },
    }),
    'n\ts\n1\ta\n2\t{"b":1}\n(1 more rows)',
  );
  assert.equal(displayText({ type: "png", data: "AAAA" }), "[png output, 4 characters]");
});

Deno.test("cli render - dag as text and as DOT with escaped labels", () => {
  const dag = {
    order: ["a", "b"],
    edges: [{ from: "a", to: "b", kind: "data" as const, names: ["x", "y"] }, {
      from: "a",
      to: "b",
      kind: "after" as const,
      names: [],
    }],
  };
  assert.equal(dagText(dag), "order: a b\na -> b  (x, y)\na -> b  [@after]");
  const cells = [{ id: "a", name: 'say "hi"' }, { id: "b", name: null }] as Parameters<
    typeof dagDot
  >[1];
  assert.equal(
    dagDot(dag, cells),
    [
      "digraph strata {",
      "  rankdir=LR;",
      '  "a" [label="say \\"hi\\""];',
      '  "b" [label="b"];',
      '  "a" -> "b" [label="x, y"];',
      '  "a" -> "b" [style=dashed];',
      "}",
    ].join("\n"),
  );
});

Deno.test("cli render - a 1,000-row table prints as a summary with its first rows", () => {
  const rows = Array.from({ length: 1000 }, (_, i) => [i, `name ${i}`]);
  const text = displaySummary({
    type: "table",
    data: { columns: ["id", "name"], rows, totalRows: 1000 },
  });
  const lines = text.split("\n");
  assert.equal(lines.length, 1 + 1 + SUMMARY_ROWS + 1);
  assert.equal(lines[0], "table: 1000 rows × 2 columns (id, name)");
  assert.equal(lines[1], "id\tname");
  assert.equal(lines[2], "0\tname 0");
  assert.equal(lines.at(-1), `… ${1000 - SUMMARY_ROWS} more rows`);
  assert.equal(displaySummary({ type: "text", data: "x" }), "x", "other kinds as displayText");
});
