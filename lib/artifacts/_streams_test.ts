import assert from "node:assert/strict";
import { chunkedStream, patternBytes } from "./blob_store_conformance.ts";
import { PartReader } from "./_streams.ts";

Deno.test("PartReader - cuts a stream into exact parts whatever the chunk size", async () => {
  const bytes = patternBytes(1000, 6);
  for (const chunk of [1, 7, 100, 256, 999, 5000]) {
    const reader = new PartReader(chunkedStream(bytes, chunk));
    const parts: Uint8Array[] = [];
    for (let p = await reader.next(256); p; p = await reader.next(256)) parts.push(p);
    assert.deepEqual(parts.map((p) => p.length), [256, 256, 256, 232], `chunk ${chunk}`);
    assert.deepEqual(new Uint8Array(parts.flatMap((p) => [...p])), bytes);
  }
});

Deno.test("PartReader - fill tells a small input from one above the threshold", async () => {
  const small = new PartReader(chunkedStream(patternBytes(100), 30));
  assert.equal(await small.fill(100), true);
  assert.deepEqual(small.takeAll(), patternBytes(100));
  const big = new PartReader(chunkedStream(patternBytes(101), 30));
  assert.equal(await big.fill(100), false);
  assert.ok(big.pendingBytes <= 100 + 30, "reads only one chunk past the threshold");
  assert.equal(await new PartReader(patternBytes(5)).fill(4), false);
});
