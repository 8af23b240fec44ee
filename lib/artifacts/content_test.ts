import assert from "node:assert/strict";
import { chunkedStream, patternBytes } from "./blob_store_conformance.ts";
import { blobKeyFor, contentHash, getVerified, putContent } from "./content.ts";
import { fsBlobStore } from "./fs_blob_store.ts";
import { memoryBlobStore } from "./memory_blob_store.ts";

const EMPTY_BLAKE3 = "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262";

Deno.test("contentHash - is BLAKE3-256 hex, the same for bytes and a chunked stream", async () => {
  assert.equal(await contentHash(new Uint8Array()), EMPTY_BLAKE3);
  const bytes = patternBytes(1_000_003, 2);
  const fromBytes = await contentHash(bytes);
  assert.match(fromBytes, /^[0-9a-f]{64}$/);
  assert.equal(await contentHash(chunkedStream(bytes, 4097)), fromBytes);
  assert.notEqual(await contentHash(patternBytes(1_000_003, 3)), fromBytes);
});

Deno.test("blobKeyFor - fans out by the first two hex characters under the tenant", () => {
  const hash = "ab" + "0".repeat(62);
  assert.equal(blobKeyFor("0123456789abcdef", hash), `0123456789abcdef/ab/${hash}`);
  assert.throws(() => blobKeyFor("t", "AB" + "0".repeat(62)), /Invalid content hash/);
  assert.throws(() => blobKeyFor("t", "abc"), /Invalid content hash/);
  assert.throws(() => blobKeyFor("a/b", hash), /Invalid tenant hash/);
  assert.throws(() => blobKeyFor("..", hash), TypeError);
});

Deno.test("putContent - stores once and reports the second write as deduplicated", async () => {
  const store = memoryBlobStore();
  const data = new TextEncoder().encode("same bytes");
  const first = await putContent(store, "tenant1", data);
  assert.equal(first.deduplicated, false);
  assert.equal(first.size, data.length);
  assert.equal(first.key, blobKeyFor("tenant1", first.contentHash));
  const second = await putContent(store, "tenant1", chunkedStream(data, 3));
  assert.deepEqual(second, { ...first, deduplicated: true });
  const other = await putContent(store, "tenant2", data);
  assert.equal(other.deduplicated, false, "tenants do not share blobs");
  assert.equal((await Array.fromAsync(store.list())).length, 2);
});

Deno.test("getVerified - returns the bytes, or missing, or corrupt", async () => {
  const store = memoryBlobStore();
  const put = await putContent(store, "t", patternBytes(1000));
  assert.deepEqual(await getVerified(store, put.key, put.contentHash), {
    ok: true,
    bytes: patternBytes(1000),
  });
  await store.put(put.key, patternBytes(1000, 99)); // same key, other bytes
  assert.deepEqual(await getVerified(store, put.key, put.contentHash), {
    ok: false,
    reason: "corrupt",
  });
  await store.delete(put.key);
  assert.deepEqual(await getVerified(store, put.key, put.contentHash), {
    ok: false,
    reason: "missing",
  });
});

Deno.test("getVerified - a truncated file in the folder backend is corrupt", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const store = fsBlobStore(dir);
    const put = await putContent(store, "t", patternBytes(10_000));
    await Deno.truncate(`${dir}/${put.key}`, 5000);
    assert.deepEqual(await getVerified(store, put.key, put.contentHash), {
      ok: false,
      reason: "corrupt",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
