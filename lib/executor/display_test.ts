import assert from "node:assert/strict";
import { DISPLAY, html, md, svg, toDisplay } from "./display.ts";

Deno.test("display - strings are text, numbers are inspected, undefined shows nothing", () => {
  assert.deepEqual(toDisplay("hi"), { type: "text", data: "hi" });
  assert.deepEqual(toDisplay(42), { type: "text", data: "42" });
  assert.deepEqual(toDisplay({ a: 1 }), { type: "text", data: "{ a: 1 }" });
  assert.equal(toDisplay(undefined), undefined);
});

Deno.test("display - arrays of records become tables", () => {
  const out = toDisplay([{ a: 1, b: "x" }, { a: 2, c: 10n }]);
  assert.deepEqual(out, {
    type: "table",
    data: { columns: ["a", "b", "c"], rows: [[1, "x", null], [2, null, "10"]], totalRows: 2 },
  });
  const many = Array.from({ length: 5 }, (_, i) => ({ i }));
  const cut = toDisplay(many, { maxRows: 2 });
  assert.equal(cut?.type === "table" && cut.data.rows.length, 2);
  assert.equal(cut?.type === "table" && cut.data.totalRows, 5);
});

Deno.test("display - md, html, svg helpers and the marker keep their type", () => {
  const n = 3;
  assert.deepEqual(toDisplay(md`# ${n} items`), { type: "markdown", data: "# 3 items" });
  assert.deepEqual(toDisplay(html("<b>x</b>")), { type: "html", data: "<b>x</b>" });
  assert.deepEqual(
    toDisplay(svg("<svg/>")),
    { type: "svg", data: "<svg/>" },
  );
  assert.deepEqual(toDisplay({ [DISPLAY]: { type: "json", data: [1] } }), {
    type: "json",
    data: [1],
  });
});

Deno.test("display - PNG bytes become base64 images", () => {
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1]);
  assert.deepEqual(toDisplay(png), { type: "png", data: "iVBORw0KGgoB" });
  assert.equal(toDisplay(new Uint8Array([1, 2]))?.type, "text");
});

Deno.test("display - an explicit type wins", () => {
  assert.deepEqual(toDisplay("<i>x</i>", { type: "html" }), { type: "html", data: "<i>x</i>" });
  assert.deepEqual(toDisplay({ big: 1n }, { type: "json" }), { type: "json", data: { big: "1" } });
  assert.throws(() => toDisplay(5, { type: "table" }), /array of plain objects/);
});
