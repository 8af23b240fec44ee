/** Content addressing: BLAKE3 hashes, blob keys derived from them, dedup on write, verify on read. */
import { assertBlobKey, type BlobStore } from "./blob_store.ts";
import { readAllBytes } from "./_streams.ts";

const HASH_RE = /^[0-9a-f]{64}$/;

// hash-wasm loads on the first hash, not at server start (≈8 MiB, issue 20).
let hashWasmModule: Promise<typeof import("hash-wasm")> | undefined;
function hashWasm(): Promise<typeof import("hash-wasm")> {
  return hashWasmModule ??= import("hash-wasm");
}

/** Bytes hashed between two yields to the event loop (a few ms of BLAKE3 in WASM). */
const HASH_SLICE = 1024 * 1024;

/**
 * Hex BLAKE3-256 of bytes or of a whole stream (read incrementally, never buffered). Large
 * buffers are hashed in slices with a yield between them, so a 200 MB value does not stall
 * the server's event loop (exec helper, issue 13 item 10).
 */
export async function contentHash(data: Uint8Array | ReadableStream<Uint8Array>): Promise<string> {
  const wasm = await hashWasm();
  // One slice: the one-shot function, which reuses one WASM instance; `createBLAKE3` instantiates
  // a new one per call (≈40 µs and 64 KiB+ of garbage; issue 20: one or two per executed cell).
  if (data instanceof Uint8Array && data.length <= HASH_SLICE) return await wasm.blake3(data);
  const hasher = await wasm.createBLAKE3();
  hasher.init();
  if (data instanceof Uint8Array) {
    for (let off = 0; off < data.length; off += HASH_SLICE) {
      if (off > 0) await new Promise((resolve) => setTimeout(resolve, 0));
      hasher.update(data.subarray(off, off + HASH_SLICE));
    }
  } else {
    for await (const chunk of data) hasher.update(chunk);
  }
  return hasher.digest("hex");
}

/** The blob key of content for a tenant: `<tenantHash>/<first two hex>/<contentHash>`. */
export function blobKeyFor(tenantHash: string, hash: string): string {
  if (!HASH_RE.test(hash)) {
    throw new TypeError(`Invalid content hash '${hash}': expected 64 lowercase hex characters`);
  }
  // The two-character fan-out keeps folders small on the fs backend (256 per tenant).
  const key = `${tenantHash}/${hash.slice(0, 2)}/${hash}`;
  if (tenantHash.includes("/")) {
    throw new TypeError(`Invalid tenant hash '${tenantHash}': must be one key segment`);
  }
  assertBlobKey(key);
  return key;
}

/** Where putContent stored a value. */
export interface PutContentResult {
  key: string;
  contentHash: string;
  size: number;
  /** True when the blob already existed and nothing was written. */
  deduplicated: boolean;
}

/**
 * Stores content under its hash for a tenant, skipping the write when the blob exists. A stream
 * is read into memory first, since its key is known only after hashing all of it.
 */
export async function putContent(
  store: BlobStore,
  tenantHash: string,
  data: Uint8Array | ReadableStream<Uint8Array>,
): Promise<PutContentResult> {
  const bytes = data instanceof Uint8Array ? data : await readAllBytes(data);
  const hash = await contentHash(bytes);
  const key = blobKeyFor(tenantHash, hash);
  if (await store.has(key)) {
    return { key, contentHash: hash, size: bytes.length, deduplicated: true };
  }
  // Concurrent writers of one key write identical bytes, and puts are atomic: no lock needed.
  await store.put(key, bytes);
  return { key, contentHash: hash, size: bytes.length, deduplicated: false };
}

/** A verified read: the bytes, or why there are none (a cache miss, never a wrong value). */
export type VerifiedRead =
  | { ok: true; bytes: Uint8Array }
  | { ok: false; reason: "missing" | "corrupt" };

/** Reads a blob and checks it against its expected content hash. */
export async function getVerified(
  store: BlobStore,
  key: string,
  expectedHash: string,
): Promise<VerifiedRead> {
  const bytes = await store.get(key);
  if (bytes === null) return { ok: false, reason: "missing" };
  if (await contentHash(bytes) !== expectedHash) return { ok: false, reason: "corrupt" };
  return { ok: true, bytes };
}
