import assert from "node:assert/strict";
import { queryRows, summarize, toCsv, toJsonRecords } from "./table_query.ts";

const COLS = ["n", "name", "when"];
const ROWS = [
  [3, "beta", "2024-01-02"],
  [1, "alpha", null],
  [2, "Alpha two", "2024-03-01"],
  [2, null, "2023-12-31"],
];

Deno.test("summarize - types, nulls, distinct counts and min/max per column", () => {
  const s = summarize(COLS, ROWS);
  assert.equal(s.length, 3);
  assert.deepEqual(s[0], { name: "n", type: "number", nulls: 0, distinct: 3, min: 1, max: 3 });
  assert.equal(s[1].type, "string");
  assert.equal(s[1].nulls, 1);
  assert.deepEqual([s[2].type, s[2].min, s[2].max], ["date", "2023-12-31", "2024-03-01"]);
});

Deno.test("queryRows - search any column case-insensitively, then sort with nulls last", () => {
  const found = queryRows(ROWS, "ALPHA", { col: 0, dir: -1 });
  assert.deepEqual(found.map((r) => r[0]), [2, 1]);
  assert.deepEqual(queryRows(ROWS, "", { col: 1, dir: 1 }).map((r) => r[1]), [
    "alpha",
    "Alpha two",
    "beta",
    null,
  ]);
});

Deno.test("toCsv - quotes, CRLF and no spreadsheet formulas", () => {
  const csv = toCsv(["a", "b"], [['x,"y"', "=HYPERLINK(1)"], [-1, null]]);
  assert.equal(csv, 'a,b\r\n"x,""y""",\'=HYPERLINK(1)\r\n-1,\r\n');
  assert.deepEqual(JSON.parse(toJsonRecords(["a"], [[1], [null]])), [{ a: 1 }, { a: null }]);
});
