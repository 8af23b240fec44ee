/**
 * The cell cache: a cell's outputs stored as artifacts under its provenance hash. Each stored
 * variable is one artifact; the displays and console of the run are one more, named `$result`.
 * A missing or corrupt blob is a miss (the cell re-runs), never a wrong value.
 */
import type { BlobStore } from "../artifacts/blob_store.ts";
import { getVerified, putContent } from "../artifacts/content.ts";
import {
  type ArtifactInput,
  type ArtifactRecord,
  lookupArtifacts,
  lookupArtifactsMany,
  putArtifact,
  touchArtifacts,
} from "../artifacts/artifact_index.ts";
import type { Db } from "../db/types.ts";
import type { Codec, ConsoleEntry, DisplayOutput, EncodedValue } from "../executor/types.ts";

/** The displayable part of a successful run, stored as the `$result` artifact. */
export interface StoredResult {
  displays: DisplayOutput[];
  console: ConsoleEntry[];
  consoleTruncated: boolean;
  durationMs: number;
}

/** Storage the cache needs. */
export interface CacheStores {
  db: Db;
  blobs: BlobStore;
}

/** A lookup: the stored result and the verified values, or a miss with its reason. */
export type CacheLookup =
  | {
    hit: true;
    result: StoredResult;
    values: Map<string, EncodedValue>;
    resultHash: string;
    /** The run's index rows (every stored name, with its blob key and content hash). */
    artifacts: readonly ArtifactRecord[];
  }
  | { hit: false; reason: "absent" | "incomplete" | "missing-blob" | "corrupt-blob" };

const RESULT = "$result";
const TOUCH_EVERY_MS = 3_600_000;
const PUT_CONCURRENCY = 4;

/**
 * Blobs verified (or written) in this process, by blob key and content hash, per blob store: a
 * repeated cache hit neither reads nor re-hashes them; it only checks that the run's `$result`
 * blob still exists, so deleting a run's blobs still makes it a miss. Only bytes that passed
 * verification enter, so corruption at rest can never yield a wrong value (the verified copy is
 * served). Small blobs only, bounded in total.
 */
const VERIFIED_MAX_BYTES = 8 * 1024 * 1024;
const VERIFIED_MAX_BLOB = 256 * 1024;
const verifiedByStore = new WeakMap<BlobStore, VerifiedBlobs>();

function verifiedFor(blobs: BlobStore): VerifiedBlobs {
  let verified = verifiedByStore.get(blobs);
  if (!verified) verifiedByStore.set(blobs, verified = new VerifiedBlobs());
  return verified;
}

class VerifiedBlobs {
  #map = new Map<string, Uint8Array>();
  #bytes = 0;

  get(key: string): Uint8Array | undefined {
    const bytes = this.#map.get(key);
    if (bytes) { // most recently used last
      this.#map.delete(key);
      this.#map.set(key, bytes);
    }
    return bytes;
  }

  set(key: string, bytes: Uint8Array): void {
    if (bytes.length > VERIFIED_MAX_BLOB || this.#map.has(key)) return;
    this.#map.set(key, bytes);
    this.#bytes += bytes.length;
    for (const [k, b] of this.#map) {
      if (this.#bytes <= VERIFIED_MAX_BYTES) break;
      this.#map.delete(k);
      this.#bytes -= b.length;
    }
  }
}

/** Looks up a cell's cached outputs; every needed variable must be present and intact. */
export async function lookupCell(
  stores: CacheStores,
  tenantHash: string,
  provenance: string,
  needed: readonly string[],
  now: number,
): Promise<CacheLookup> {
  return (await lookupCells(stores, tenantHash, [{ provenance, needed }], now))[0];
}

/** One cell of a lookupCells request. */
export interface CellLookupRequest {
  provenance: string;
  /** Variables the cell must have stored (read downstream). */
  needed: readonly string[];
}

/** How many cells' blobs are checked at once. */
const LOOKUP_CONCURRENCY = 16;

/**
 * Looks up many cells at once, each exactly as lookupCell would (issue 20): one index query for
 * all of them, then their blobs checked a few cells at a time. Answers in request order.
 */
export async function lookupCells(
  stores: CacheStores,
  tenantHash: string,
  requests: readonly CellLookupRequest[],
  now: number,
): Promise<CacheLookup[]> {
  if (requests.length === 0) return [];
  const found = requests.length === 1
    ? await lookupOne(stores, tenantHash, requests[0].provenance)
    : await lookupArtifactsMany(stores.db, tenantHash, requests.map((r) => r.provenance));
  const out = new Array<CacheLookup>(requests.length);
  let next = 0;
  const workers = Math.min(LOOKUP_CONCURRENCY, requests.length);
  await Promise.all(Array.from({ length: workers }, async () => {
    while (next < requests.length) {
      const i = next++;
      const r = requests[i];
      out[i] = await checkHit(stores, tenantHash, r, found.get(r.provenance), now);
    }
  }));
  return out;
}

async function lookupOne(stores: CacheStores, tenantHash: string, provenance: string) {
  const found = await lookupArtifacts(stores.db, tenantHash, provenance);
  return new Map(found.hit ? [[provenance, found.artifacts]] : []);
}

/** A cell's artifacts (from the index) to a lookup: every needed blob present and intact. */
async function checkHit(
  stores: CacheStores,
  tenantHash: string,
  { provenance, needed }: CellLookupRequest,
  artifacts: readonly ArtifactRecord[] | undefined,
  now: number,
): Promise<CacheLookup> {
  if (!artifacts || artifacts.length === 0) return { hit: false, reason: "absent" };
  const byName = new Map(artifacts.map((a) => [a.variable, a]));
  const resultRow = byName.get(RESULT);
  if (!resultRow || needed.some((n) => !byName.has(n))) return { hit: false, reason: "incomplete" };
  // The `$result` blob is checked for presence even when known: deleting a run's blobs makes its
  // next run recompute. A known value is served from memory without a stat (its bytes verified).
  const resultBytes = await read(stores.blobs, resultRow, true);
  if (!resultBytes.ok) return { hit: false, reason: resultBytes.reason };
  const values = new Map<string, EncodedValue>();
  for (const name of needed) {
    const row = byName.get(name)!;
    const bytes = await read(stores.blobs, row);
    if (!bytes.ok) return { hit: false, reason: bytes.reason };
    values.set(name, { name, codec: row.codec as Codec, bytes: bytes.bytes });
  }
  // LRU bookkeeping at hour granularity: a hot cache hit does not write on every lookup.
  if (artifacts.some((a) => a.lastUsedAt < now - TOUCH_EVERY_MS)) {
    await touchArtifacts(stores.db, tenantHash, provenance, now);
  }
  const result = JSON.parse(new TextDecoder().decode(resultBytes.bytes)) as StoredResult;
  return { hit: true, result, values, resultHash: resultRow.contentHash, artifacts };
}

/** What storeCell wrote: new blob bytes, and the content hash of the `$result` (the output hash). */
export interface StoreOutcome {
  bytesWritten: number;
  resultHash: string;
}

/** Blobs written for a run whose index rows are not committed yet (see writeCellBlobs). */
export interface WrittenCell extends StoreOutcome {
  /** The index rows that make the blobs a cache entry (`indexCell`). */
  rows: ArtifactInput[];
  /** Remembers the written bytes as verified; call once the rows are committed. */
  remember(): void;
}

/** Stores a successful run's values and result under its provenance. */
export async function storeCell(
  stores: CacheStores,
  tenantHash: string,
  provenance: string,
  values: readonly EncodedValue[],
  result: StoredResult,
  now: number,
): Promise<StoreOutcome> {
  const written = await writeCellBlobs(stores, tenantHash, provenance, values, result, now);
  await stores.db.transaction((tx) => indexCell(tx, written));
  written.remember();
  return { bytesWritten: written.bytesWritten, resultHash: written.resultHash };
}

/**
 * Inserts a written run's index rows; inside the caller's transaction (issue 20: the run engine
 * commits them with the run's record and audit event, one commit per executed cell).
 */
export async function indexCell(tx: Db, written: WrittenCell): Promise<void> {
  for (const row of written.rows) await putArtifact(tx, row);
}

/**
 * Writes a successful run's blobs (values and `$result`) and returns the index rows still to be
 * committed. Blobs first, index rows after: a crash in between leaves orphan blobs (collected
 * by GC), never an index row pointing at nothing.
 */
export async function writeCellBlobs(
  stores: CacheStores,
  tenantHash: string,
  provenance: string,
  values: readonly EncodedValue[],
  result: StoredResult,
  now: number,
): Promise<WrittenCell> {
  const entries: { name: string; codec: string; bytes: Uint8Array }[] = [
    ...values.map((v) => ({ name: v.name, codec: v.codec, bytes: v.bytes })),
    { name: RESULT, codec: "json", bytes: new TextEncoder().encode(JSON.stringify(result)) },
  ];
  // The blobs are independent (each put is atomic on its own): write them concurrently, a few
  // at a time, so their fsyncs overlap (issue 20: ≈8 ms of a warm cell was two sequential puts).
  const puts = new Array<Awaited<ReturnType<typeof putContent>>>(entries.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(PUT_CONCURRENCY, entries.length) }, async () => {
    while (next < entries.length) {
      const i = next++;
      puts[i] = await putContent(stores.blobs, tenantHash, entries[i].bytes);
    }
  }));
  let written = 0;
  const counted = new Set<string>(); // equal values written at once: their bytes count once
  const rows: ArtifactInput[] = entries.map((e, i) => {
    const put = puts[i];
    if (!put.deduplicated && !counted.has(put.key)) written += put.size;
    counted.add(put.key);
    return {
      tenantHash,
      provenanceHash: provenance,
      variable: e.name,
      blobKey: put.key,
      contentHash: put.contentHash,
      size: put.size,
      codec: e.codec,
      createdAt: now,
    };
  });
  return {
    bytesWritten: written,
    resultHash: rows[rows.length - 1].contentHash,
    rows,
    remember() {
      const verified = verifiedFor(stores.blobs);
      entries.forEach((e, i) =>
        verified.set(`${rows[i].blobKey}\0${rows[i].contentHash}`, e.bytes)
      );
    },
  };
}

async function read(
  blobs: BlobStore,
  row: ArtifactRecord,
  checkPresent = false,
): Promise<
  { ok: true; bytes: Uint8Array } | { ok: false; reason: "missing-blob" | "corrupt-blob" }
> {
  const verified = verifiedFor(blobs);
  const key = `${row.blobKey}\0${row.contentHash}`;
  const known = verified.get(key);
  if (known) {
    if (!checkPresent || await blobs.has(row.blobKey)) return { ok: true, bytes: known };
    return { ok: false, reason: "missing-blob" };
  }
  const got = await getVerified(blobs, row.blobKey, row.contentHash);
  if (got.ok) {
    verified.set(key, got.bytes);
    return got;
  }
  return { ok: false, reason: got.reason === "missing" ? "missing-blob" : "corrupt-blob" };
}
