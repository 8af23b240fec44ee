import assert from "node:assert/strict";
import { canonicalJson } from "./canonical_json.ts";

Deno.test("canonicalJson - sorts keys at every depth and drops whitespace", () => {
  assert.equal(
    canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: "x" } }),
    '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}',
  );
});

Deno.test("canonicalJson - key order of the input does not matter", () => {
  assert.equal(canonicalJson({ x: 1, y: [true, null] }), canonicalJson({ y: [true, null], x: 1 }));
});

Deno.test("canonicalJson - numbers use the shortest round-trip form", () => {
  assert.equal(
    canonicalJson([1, 1.5, -0, 1e21, 0.1 + 0.2, 1e-7, 100]),
    "[1,1.5,0,1e+21,0.30000000000000004,1e-7,100]",
  );
});

Deno.test("canonicalJson - strings are escaped like JSON and keys sort by code unit", () => {
  assert.equal(canonicalJson({ "é": 1, "Z": 2, "a": '"\n' }), '{"Z":2,"a":"\\"\\n","é":1}');
});

Deno.test("canonicalJson - undefined properties are left out", () => {
  assert.equal(canonicalJson({ a: undefined, b: 1 }), '{"b":1}');
});

Deno.test("canonicalJson - non-finite numbers and non-JSON values are refused, naming the path", () => {
  assert.throws(
    () => canonicalJson({ a: [1, Number.NaN] }),
    /\$\.a\[1\]: NaN is not a finite number/,
  );
  assert.throws(() => canonicalJson(Infinity), /Infinity is not a finite number/);
  assert.throws(() => canonicalJson({ n: 1n }), /\$\.n: a bigint/);
  assert.throws(() => canonicalJson({ d: new Date(0) }), /a Date is not a plain object/);
  assert.throws(() => canonicalJson([undefined]), /undefined is not JSON data/);
  assert.throws(() => canonicalJson(undefined), /undefined is not JSON data/);
  const loop: Record<string, unknown> = {};
  loop.self = loop;
  assert.throws(() => canonicalJson(loop), /circular/);
});

Deno.test("canonicalJson - a shared (non-circular) object may appear twice", () => {
  const shared = { k: 1 };
  assert.equal(canonicalJson({ a: shared, b: shared }), '{"a":{"k":1},"b":{"k":1}}');
});
