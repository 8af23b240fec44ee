/** The behaviour every BlobStore backend must show, as Deno tests any backend's test file can register. */
import assert from "node:assert/strict";
import type { BlobStore } from "./blob_store.ts";
import { getBlobStream } from "./streaming_blob_store.ts";
import { readAllBytes } from "./_streams.ts";

/** A fresh, empty store for one test case, and how to dispose of it. */
export interface BlobStoreFixture {
  store: BlobStore;
  close(): Promise<void>;
}

/** Bytes that differ per seed, so a mixed-up or partial value cannot pass for another. */
export function patternBytes(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed * 2654435761 >>> 0;
  for (let i = 0; i < size; i++) {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** A stream of `bytes` in chunks of `chunkSize`, pulled lazily like a socket or file. */
export function chunkedStream(
  bytes: Uint8Array,
  chunkSize = 64 * 1024,
): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + chunkSize));
      at += chunkSize;
    },
  });
}

const enc = new TextEncoder();
const HOSTILE_KEYS = ["../x", "/abs", "a//b", "a\0b", "a/../b", "./a", "a/", "", "a\\b", "a b"];

type Case = (store: BlobStore) => Promise<void>;

const CASES: Record<string, Case> = {
  "put, get, has, delete and list round trip": async (store) => {
    const info = await store.put("t1/ab/abc", enc.encode("hello"));
    assert.deepEqual(info, { key: "t1/ab/abc", size: 5 });
    assert.deepEqual(await store.get("t1/ab/abc"), enc.encode("hello"));
    assert.equal(await store.has("t1/ab/abc"), true);
    assert.deepEqual(await Array.fromAsync(store.list()), [{ key: "t1/ab/abc", size: 5 }]);
    await store.delete("t1/ab/abc");
    assert.equal(await store.has("t1/ab/abc"), false);
    assert.equal(await store.get("t1/ab/abc"), null);
    assert.deepEqual(await Array.fromAsync(store.list()), []);
  },
  "put overwrites": async (store) => {
    await store.put("k", enc.encode("first value"));
    await store.put("k", enc.encode("second"));
    assert.deepEqual(await store.get("k"), enc.encode("second"));
  },
  "missing key reads as null, delete is idempotent": async (store) => {
    assert.equal(await store.get("no/such/key"), null);
    assert.equal(await store.has("no/such/key"), false);
    assert.equal(await getBlobStream(store, "no/such/key"), null);
    await store.delete("no/such/key");
    await store.put("once", enc.encode("x"));
    await store.delete("once");
    await store.delete("once");
  },
  "empty value round trips": async (store) => {
    assert.deepEqual(await store.put("empty", new Uint8Array()), { key: "empty", size: 0 });
    assert.deepEqual(await store.get("empty"), new Uint8Array());
    assert.equal(await store.has("empty"), true);
  },
  "hostile keys are rejected by every operation": async (store) => {
    for (const key of HOSTILE_KEYS) {
      const label = JSON.stringify(key);
      await assert.rejects(store.put(key, enc.encode("x")), TypeError, `put ${label}`);
      await assert.rejects(store.get(key), TypeError, `get ${label}`);
      await assert.rejects(store.has(key), TypeError, `has ${label}`);
      await assert.rejects(store.delete(key), TypeError, `delete ${label}`);
    }
    for (const prefix of ["../", "/abs", "a//", "a/../"]) {
      await assert.rejects(Array.fromAsync(store.list(prefix)), TypeError, `list ${prefix}`);
    }
    assert.deepEqual(await Array.fromAsync(store.list()), []);
  },
  "stream put stores the whole stream": async (store) => {
    const bytes = patternBytes(300_000, 7);
    const info = await store.put("s/stream", chunkedStream(bytes, 10_000));
    assert.deepEqual(info, { key: "s/stream", size: bytes.length });
    assert.deepEqual(await store.get("s/stream"), bytes);
    const stream = await getBlobStream(store, "s/stream");
    assert.ok(stream);
    assert.deepEqual(await readAllBytes(stream), bytes);
  },
  "a failing source stream stores nothing": async (store) => {
    let sent = 0;
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ === 3) return controller.error(new Error("source broke"));
        controller.enqueue(patternBytes(100_000, sent));
      },
    });
    await assert.rejects(store.put("broken", failing), /source broke/);
    assert.equal(await store.has("broken"), false);
    assert.deepEqual(await Array.fromAsync(store.list()), []);
  },
  "large values round trip as bytes and as a stream": async (store) => {
    const bytes = patternBytes(12 * 1024 * 1024, 3);
    await store.put("big/bytes", bytes);
    await store.put("big/stream", chunkedStream(bytes, 256 * 1024));
    assert.deepEqual(await store.get("big/bytes"), bytes);
    assert.deepEqual(await readAllBytes((await getBlobStream(store, "big/stream"))!), bytes);
  },
  "concurrent puts of one key leave one whole value": async (store) => {
    const values = [1, 2, 3, 4].map((seed) => patternBytes(512 * 1024, seed));
    await Promise.all(values.map((v, i) => store.put("race", i % 2 ? v : chunkedStream(v))));
    const got = await store.get("race");
    assert.ok(got && values.some((v) => got.length === v.length && equalBytes(got, v)));
  },
  "list filters by prefix, including partial segments": async (store) => {
    const keys = ["t1/aa/x1", "t1/aa/x2", "t1/ab/y", "t10/aa/z", "t2/aa/w", "top"];
    for (const k of keys) await store.put(k, enc.encode(k));
    const keysOf = async (p?: string) =>
      (await Array.fromAsync(store.list(p))).map((b) => b.key).sort();
    assert.deepEqual(await keysOf(), [...keys].sort());
    assert.deepEqual(await keysOf(""), [...keys].sort());
    assert.deepEqual(await keysOf("t1/"), ["t1/aa/x1", "t1/aa/x2", "t1/ab/y"]);
    assert.deepEqual(await keysOf("t1"), ["t1/aa/x1", "t1/aa/x2", "t1/ab/y", "t10/aa/z"]);
    assert.deepEqual(await keysOf("t1/a"), ["t1/aa/x1", "t1/aa/x2", "t1/ab/y"]);
    assert.deepEqual(await keysOf("t1/aa/x1"), ["t1/aa/x1"]);
    assert.deepEqual(await keysOf("nope/"), []);
    const sizes = await Array.fromAsync(store.list("t2/"));
    assert.deepEqual(sizes, [{ key: "t2/aa/w", size: 7 }]);
  },
  "stored values are isolated from the caller's buffers": async (store) => {
    const bytes = enc.encode("original");
    await store.put("iso", bytes);
    bytes[0] = 0;
    const read = (await store.get("iso"))!;
    assert.deepEqual(read, enc.encode("original"));
    read[0] = 0;
    assert.deepEqual(await store.get("iso"), enc.encode("original"));
  },
};

/** Options for blobStoreConformance. */
export interface ConformanceOptions {
  /** Case titles to register as ignored, each with the reason (shown in the test name). */
  skip?: Record<string, string>;
}

/** Names of the conformance cases, for `skip`. */
export const CONFORMANCE_CASES: readonly string[] = Object.keys(CASES);

/** Registers one Deno test per conformance case, each on a fresh store from `makeStore`. */
export function blobStoreConformance(
  name: string,
  makeStore: () => Promise<BlobStoreFixture>,
  options: ConformanceOptions = {},
): void {
  const skip = options.skip ?? {};
  for (const title of Object.keys(skip)) {
    if (!(title in CASES)) throw new TypeError(`blobStoreConformance: no case named '${title}'`);
  }
  for (const [title, run] of Object.entries(CASES)) {
    const reason = skip[title];
    Deno.test({
      name: reason ? `${name} - ${title} (skipped: ${reason})` : `${name} - ${title}`,
      ignore: reason !== undefined,
      async fn() {
        const fixture = await makeStore();
        try {
          await run(fixture.store);
        } finally {
          await fixture.close();
        }
      },
    });
  }
}

/**
 * Runs every conformance case as a step of one test, for a backend whose server is expensive to
 * start (one server, a fresh store per case from `makeStore`).
 */
export async function conformanceSteps(
  t: Deno.TestContext,
  makeStore: () => Promise<BlobStoreFixture>,
  options: ConformanceOptions = {},
): Promise<void> {
  const skip = options.skip ?? {};
  for (const [title, run] of Object.entries(CASES)) {
    await t.step({
      name: title,
      ignore: skip[title] !== undefined,
      async fn() {
        const fixture = await makeStore();
        try {
          await run(fixture.store);
        } finally {
          await fixture.close();
        }
      },
    });
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
