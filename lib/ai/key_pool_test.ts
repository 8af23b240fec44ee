import assert from "node:assert/strict";
import { createKeyPool, retryAfterMs } from "./key_pool.ts";

function take(pool: ReturnType<typeof createKeyPool>) {
  const t = pool.take();
  assert.ok(t.ok, "expected a key");
  return t;
}

Deno.test("key pool - keys are used round-robin", () => {
  const pool = createKeyPool(["a", "b", "c"], { now: () => 0 });
  assert.deepEqual([1, 2, 3, 4].map(() => take(pool).key), ["a", "b", "c", "a"]);
});

Deno.test("key pool - a rate-limited key rests for Retry-After, the others carry on", () => {
  let now = 0;
  const pool = createKeyPool(["a", "b"], { now: () => now });
  const first = take(pool);
  assert.equal(first.key, "a");
  assert.equal(pool.rest(first.slot, 429, 30_000), 30_000);
  assert.deepEqual([1, 2, 3].map(() => take(pool).key), ["b", "b", "b"]);
  now = 30_000;
  assert.deepEqual([1, 2].map(() => take(pool).key).sort(), ["a", "b"]);
});

Deno.test("key pool - refusals back off exponentially and reset after a success", () => {
  let now = 0;
  const pool = createKeyPool(["a"], { now: () => now, refusedRestMs: 1_000 });
  assert.equal(pool.rest(0, 401), 1_000);
  const resting = pool.take();
  assert.deepEqual(resting, { ok: false, retryAt: 1_000 });
  now = 1_000;
  assert.equal(pool.rest(0, 401), 2_000);
  now = 3_000;
  assert.equal(pool.rest(0, 401), 4_000);
  pool.succeeded(0);
  assert.equal(pool.rest(0, 401), 1_000);
});

Deno.test("key pool - no keys is one keyless slot (endpoints without auth)", () => {
  const pool = createKeyPool([]);
  assert.equal(pool.size, 1);
  assert.equal(take(pool).key, "");
});

Deno.test("key pool - Retry-After in seconds or as a date", () => {
  assert.equal(retryAfterMs("2"), 2_000);
  assert.equal(retryAfterMs(new Date(10_000).toUTCString(), 4_000), 6_000);
  assert.equal(retryAfterMs("soon"), undefined);
  assert.equal(retryAfterMs(null), undefined);
});
