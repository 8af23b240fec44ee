import assert from "node:assert/strict";
import { memoryBlobStore } from "../artifacts/memory_blob_store.ts";
import { openSqlite } from "../db/sqlite.ts";
import { migrate } from "../db/migrate.ts";
import type { BlobStore } from "../artifacts/blob_store.ts";
import { lookupCell, storeCell } from "./cell_cache.ts";

async function setup() {
  const db = openSqlite(":memory:");
  await migrate(db);
  const inner = memoryBlobStore();
  const reads: string[] = [];
  const blobs: BlobStore = {
    get: (k) => (reads.push(k), inner.get(k)),
    put: (k, d) => inner.put(k, d),
    has: (k) => inner.has(k),
    delete: (k) => inner.delete(k),
    list: (p) => inner.list(p),
  };
  const value = { name: "x", codec: "json" as const, bytes: new TextEncoder().encode("[1,2,3]") };
  const result = { displays: [], console: [], consoleTruncated: false, durationMs: 1 };
  await storeCell({ db, blobs }, "t0", "p".repeat(64), [value], result, Date.now());
  return { db, blobs, inner, reads };
}

Deno.test("cell cache - a repeated hit neither reads nor re-hashes blobs it already verified", async () => {
  const { db, blobs, reads } = await setup();
  for (let i = 0; i < 3; i++) {
    const hit = await lookupCell({ db, blobs }, "t0", "p".repeat(64), ["x"], Date.now());
    assert.ok(hit.hit);
    assert.equal(new TextDecoder().decode(hit.values.get("x")!.bytes), "[1,2,3]");
  }
  assert.deepEqual(reads, []);
  await db.close();
});

Deno.test("cell cache - a run whose blobs were deleted is a miss even after they were verified", async () => {
  const { db, blobs, inner } = await setup();
  assert.ok((await lookupCell({ db, blobs }, "t0", "p".repeat(64), ["x"], Date.now())).hit);
  const keys: string[] = [];
  for await (const b of inner.list()) keys.push(b.key);
  assert.equal(keys.length, 2);
  for (const k of keys) await inner.delete(k);
  const miss = await lookupCell({ db, blobs }, "t0", "p".repeat(64), ["x"], Date.now());
  assert.deepEqual(miss, { hit: false, reason: "missing-blob" });
  await db.close();
});

Deno.test("cell cache - a blob rewritten at rest never becomes the cell's value", async () => {
  const { db, blobs, inner } = await setup();
  const keys: string[] = [];
  for await (const b of inner.list()) keys.push(b.key);
  for (const k of keys) await inner.put(k, new TextEncoder().encode('"evil"'));
  const hit = await lookupCell({ db, blobs }, "t0", "p".repeat(64), ["x"], Date.now());
  if (hit.hit) assert.equal(new TextDecoder().decode(hit.values.get("x")!.bytes), "[1,2,3]");
  await db.close();
});

Deno.test("cell cache - several outputs are all stored, equal bytes counted once", async () => {
  const db = openSqlite(":memory:");
  await migrate(db);
  const blobs = memoryBlobStore();
  const enc = (s: string) => new TextEncoder().encode(s);
  const values = ["a", "b", "c", "d", "e", "f"].map((name, i) => ({
    name,
    codec: "json" as const,
    bytes: enc(i < 2 ? '"same"' : `"v${i}"`),
  }));
  const result = { displays: [], console: [], consoleTruncated: false, durationMs: 1 };
  const out = await storeCell({ db, blobs }, "t0", "q".repeat(64), values, result, Date.now());
  const resultBytes = enc(JSON.stringify(result)).length;
  assert.equal(out.bytesWritten, 6 + 4 * 4 + resultBytes);
  const hit = await lookupCell({ db, blobs }, "t0", "q".repeat(64), ["a", "b", "f"], Date.now());
  assert.ok(hit.hit);
  assert.deepEqual(
    [...hit.values.values()].map((v) => new TextDecoder().decode(v.bytes)),
    ['"same"', '"same"', '"v5"'],
  );
  await db.close();
});

Deno.test("cell cache - a known value whose blob alone was deleted is still served intact", async () => {
  const { db, blobs, inner } = await setup();
  const keys: string[] = [];
  for await (const b of inner.list()) keys.push(b.key);
  const valueKey = [];
  for (const k of keys) {
    if (new TextDecoder().decode((await inner.get(k))!) === "[1,2,3]") valueKey.push(k);
  }
  assert.equal(valueKey.length, 1);
  await inner.delete(valueKey[0]);
  const hit = await lookupCell({ db, blobs }, "t0", "p".repeat(64), ["x"], Date.now());
  assert.ok(hit.hit);
  assert.equal(new TextDecoder().decode(hit.values.get("x")!.bytes), "[1,2,3]");
  await db.close();
});
