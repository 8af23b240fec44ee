import assert from "node:assert/strict";
import { codeReference, decodeValue, encodeValue } from "./codecs.ts";

function roundTrip(value: unknown): { codec: string; back: unknown } {
  const enc = encodeValue("v", value, { cellId: "c1" });
  assert.ok(enc.ok, enc.ok ? "" : enc.message);
  return { codec: enc.value.codec, back: decodeValue(enc.value) };
}

Deno.test("codecs - plain data travels as JSON", () => {
  const v = { a: [1, "two", null, true], b: { c: 1.5 } };
  assert.deepEqual(roundTrip(v), { codec: "json", back: v });
});

Deno.test("codecs - rich values travel by structured clone", () => {
  const cyclic: Record<string, unknown> = { name: "loop" };
  cyclic.self = cyclic;
  for (
    const v of [
      new Map([["a", 1]]),
      new Set([1, 2]),
      new Date(1_700_000_000_000),
      2n ** 80n,
      new Float64Array([1.5, -2]),
      /ab+c/gi,
      undefined,
      NaN,
      -0,
      cyclic,
    ]
  ) {
    const { codec, back } = roundTrip(v);
    assert.equal(codec, "v8");
    assert.deepEqual(back, v);
  }
});

Deno.test("codecs - Uint8Array travels as raw bytes", () => {
  const bytes = new Uint8Array([0, 1, 255]);
  assert.deepEqual(roundTrip(bytes), { codec: "bytes", back: bytes });
});

Deno.test("codecs - functions and classes become references to their defining cell", () => {
  for (const [v, kind] of [[function f() {}, "function"], [class K {}, "class"]] as const) {
    const enc = encodeValue("f", v, { cellId: "defs" });
    assert.ok(enc.ok);
    assert.equal(enc.value.codec, "code");
    assert.deepEqual(codeReference(enc.value), { cellId: "defs", name: "f", kind });
    assert.throws(() => decodeValue(enc.value), /code from cell 'defs'/);
  }
});

Deno.test("codecs - a value no codec carries is an error naming the variable", () => {
  for (const v of [new WeakMap(), { handler() {} }, Symbol("s")]) {
    const enc = encodeValue("cache", v);
    assert.equal(enc.ok, false);
    assert.match(!enc.ok ? enc.message : "", /'cache'/);
  }
});

Deno.test("codecs - class instances and objects with methods travel as code from their cell", () => {
  class Point {
    constructor(public x: number) {}
    norm() {
      return Math.abs(this.x);
    }
  }
  for (const value of [new Point(3), { n: 1, inc() {} }, new WeakMap(), [1, () => 2]]) {
    const enc = encodeValue("p", value, { cellId: "cell-a" });
    assert.ok(enc.ok);
    assert.equal(enc.value.codec, "code");
    assert.deepEqual(codeReference(enc.value), { cellId: "cell-a", name: "p", kind: "value" });
  }
  // Plain data, dates, maps and typed arrays stay values.
  for (const value of [{ a: [1, 2] }, new Date(0), new Map([[1, { b: 2 }]]), new Float64Array(2)]) {
    const enc = encodeValue("v", value, { cellId: "cell-a" });
    assert.ok(enc.ok && enc.value.codec !== "code");
  }
  // Without a defining cell a class instance can only be cloned, which loses its methods.
  const enc = encodeValue("v", new Point(3));
  assert.ok(enc.ok);
  assert.equal(enc.value.codec, "v8");
  assert.deepEqual(decodeValue(enc.value), { x: 3 });
});
