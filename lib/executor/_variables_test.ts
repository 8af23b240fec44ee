import assert from "node:assert/strict";
import { describeVariables } from "./_variables.ts";

Deno.test("describeVariables - type, size and a short preview; unreadable names skipped", () => {
  const rows = describeVariables({
    n: () => 42,
    s: () => "hello",
    a: () => Array.from({ length: 1000 }, (_, i) => i),
    m: () => new Map([[1, 2]]),
    f: () => function add() {},
    C: () => class Point {},
    big: () => "x".repeat(10_000),
    tdz: () => {
      throw new ReferenceError("Cannot access 'tdz' before initialization");
    },
  });
  assert.equal(rows.length, 7);
  const by = Object.fromEntries(rows.map((r) => [r.name, r]));
  assert.deepEqual([by.n.type, by.n.size, by.n.preview], ["number", undefined, "42"]);
  assert.deepEqual(by.s.size, { count: 5, unit: "chars" });
  assert.deepEqual([by.a.type, by.a.size], ["Array", { count: 1000, unit: "items" }]);
  assert.deepEqual([by.m.type, by.m.size?.unit], ["Map", "entries"]);
  assert.deepEqual([by.f.type, by.C.type], ["function", "class"]);
  assert.ok(by.big.preview.length <= 120);
});
