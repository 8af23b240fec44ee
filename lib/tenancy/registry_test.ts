import assert from "node:assert/strict";
import { tenantRegistry } from "./registry.ts";

Deno.test("tenant registry - records first and last seen and counts requests", () => {
  let t = 100;
  const reg = tenantRegistry({ now: () => t });
  reg.touch("a", "ha");
  t = 200;
  const rec = reg.touch("a", "ha");
  assert.deepEqual(rec, { id: "a", hash: "ha", firstSeen: 100, lastSeen: 200, requests: 2 });
  assert.equal(reg.hashOf("a"), "ha");
  assert.equal(reg.hashOf("b"), undefined);
});

Deno.test("tenant registry - lists most recently seen first", () => {
  let t = 0;
  const reg = tenantRegistry({ now: () => ++t });
  reg.touch("a", "ha");
  reg.touch("b", "hb");
  reg.touch("c", "hc");
  reg.touch("a", "ha");
  assert.deepEqual(reg.list().map((r) => r.id), ["a", "c", "b"]);
});

Deno.test("tenant registry - forgets the least recently seen beyond max", () => {
  let t = 0;
  const reg = tenantRegistry({ max: 2, now: () => ++t });
  reg.touch("a", "ha");
  reg.touch("b", "hb");
  reg.touch("a", "ha"); // a is now the most recent
  reg.touch("c", "hc"); // evicts b
  assert.deepEqual(reg.list().map((r) => r.id), ["c", "a"]);
  assert.equal(reg.size, 2);
  assert.equal(reg.evicted, 1);
  const back = reg.touch("b", "hb");
  assert.equal(back.requests, 1, "a forgotten tenant starts over");
});

Deno.test("tenant registry - stays bounded under a flood of ids", () => {
  const reg = tenantRegistry({ max: 100 });
  for (let i = 0; i < 10_000; i++) reg.touch(`t${i}`, `h${i}`);
  assert.equal(reg.size, 100);
  assert.equal(reg.list()[0].id, "t9999");
});

Deno.test("tenant registry - list returns copies", () => {
  const reg = tenantRegistry();
  reg.touch("a", "ha");
  reg.list()[0].requests = 99;
  assert.equal(reg.list()[0].requests, 1);
});

Deno.test("tenant registry - rejects a bad max", () => {
  for (const max of [0, -1, 1.5, NaN]) assert.throws(() => tenantRegistry({ max }), /max/);
});
