/**
 * Server-side pages of a table output (issue 16): a stored table is read and decoded once, in the
 * table Worker, then paged from memory (issue 20 review: every page read and hashed the whole
 * stored value again, ≈190 ms a page at 1,000,000 rows, and decoded, filtered and sorted on the
 * server's thread).
 */
import assert from "node:assert/strict";
import { openSqlite } from "../db/sqlite.ts";
import { migrate } from "../db/migrate.ts";
import { memoryBlobStore } from "../artifacts/memory_blob_store.ts";
import type { BlobStore } from "../artifacts/blob_store.ts";
import { encodeValue } from "../executor/codecs.ts";
import { NotFoundError, ValidationError } from "../errors.ts";
import { storeCell } from "./cell_cache.ts";
import { stopTableWorker, tablePage, tableWorkKind } from "./table_pages.ts";

Deno.test("table pages - a stored table is read once, then paged, sorted and filtered from memory", async () => {
  const db = openSqlite(":memory:");
  await migrate(db);
  const inner = memoryBlobStore();
  const reads: string[] = [];
  const blobs: BlobStore = {
    ...inner,
    get: (key) => (reads.push(key), inner.get(key)),
  };
  const stores = { db, blobs };
  // Over 256 KiB stored: larger values are not kept as verified bytes by the cell cache.
  const rows = Array.from({ length: 20_000 }, (_, i) => ({ id: i, label: `r${i}` }));
  const encoded = encodeValue("big", rows);
  assert.ok(encoded.ok);
  const display = {
    type: "table" as const,
    data: { columns: ["id", "label"], rows: [[0, "r0"]], totalRows: 20_000, source: "big" },
  };
  const result = { displays: [display], console: [], consoleTruncated: false, durationMs: 1 };
  const provenance = "p".repeat(64);
  await storeCell(stores, "t1", provenance, [encoded.value], result, Date.now());
  const ref = { tenantHash: "t1", provenance, cellId: "c1", display: 0 };

  const first = await tablePage(stores, ref, { offset: 10, limit: 2 });
  assert.deepEqual(first.rows, [[10, "r10"], [11, "r11"]]);
  assert.equal(first.totalRows, 20_000);
  const valueReads = () => reads.filter((k) => k === reads[0]).length;
  assert.equal(reads.length, 1, "the stored value was read once");
  const sorted = await tablePage(stores, ref, { offset: 0, limit: 1, sort: { col: 0, dir: -1 } });
  assert.deepEqual(sorted.rows, [[19_999, "r19999"]]);
  const filtered = await tablePage(stores, ref, { offset: 0, limit: 5, filter: "R1999" });
  assert.deepEqual(filtered.rows.map((r) => r[0]), [1999, 19990, 19991, 19992, 19993]);
  assert.equal(filtered.matchedRows, 11);
  assert.equal(valueReads(), 1, "later pages read no blob of the value");
  // Bad requests are refused as before (400, 404), from the Worker too.
  await assert.rejects(
    () => tablePage(stores, ref, { offset: 0, limit: 1, sort: { col: 9, dir: 1 } }),
    (e) => e instanceof ValidationError && /sort column 9 is not one of the 2/.test(e.message),
  );
  await assert.rejects(
    () => tablePage(stores, { ...ref, display: 1 }, { offset: 0, limit: 1 }),
    NotFoundError,
  );
  // The decoding, filtering and sorting ran in the table Worker, not on this thread.
  assert.equal(tableWorkKind(), "worker");
  stopTableWorker();
});
