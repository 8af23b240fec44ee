/** Artifact garbage collection: unreferenced artifacts past a grace period, then LRU above a cap. */

import type { Db } from "../db/types.ts";
import type { BlobStore } from "../artifacts/blob_store.ts";
import { type ArtifactRecord, toArtifactRecord } from "../artifacts/artifact_index.ts";
import type { JobReport } from "./job.ts";

/** Dependencies of artifactGcJob. */
export interface ArtifactGcDeps {
  db: Db;
  blobStore: BlobStore;
  /** Artifacts not used for this long are deleted unless referenced. */
  graceMs: number;
  /** Cap on stored bytes (distinct blobs); least recently used go first. 0 = no cap. */
  maxArtifactBytes: number;
  /**
   * Whether a notebook's current runtime state still points at this artifact; referenced
   * artifacts are never deleted (the cap may then stay exceeded). @default nothing is referenced
   */
  isReferenced?: (artifact: ArtifactRecord) => boolean | Promise<boolean>;
  /** Report what would be deleted without deleting anything. @default false */
  dryRun?: boolean;
  /** Index rows considered per phase and run, bounding one run's work. @default 10000 */
  maxRows?: number;
}

/** What artifactGcJob did (or, in a dry run, would do). */
export interface ArtifactGcReport extends JobReport {
  dryRun: boolean;
  /** Index rows deleted because unused past the grace period. */
  expiredRows: number;
  /** Index rows deleted to get under maxArtifactBytes. */
  evictedRows: number;
  /** Blobs deleted (no index row references them any more). */
  deletedBlobs: number;
  freedBytes: number;
  /** Candidates kept because isReferenced said so. */
  keptReferenced: number;
  /** Stored bytes (distinct blobs) before and after. */
  bytesBefore: number;
  bytesAfter: number;
  /** Blob keys deleted (or to delete), at most 100 listed. */
  blobKeys: string[];
}

const PAGE = 500;
const COLUMNS = "tenant_hash, provenance_hash, variable, blob_key, content_hash, size, codec, " +
  "created_at, last_used_at";

/**
 * Plans, then applies: (1) index rows unused since `now - graceMs` and not referenced; (2) while
 * the distinct blobs still exceed maxArtifactBytes, whole blobs by least recent use (a blob's
 * last use is its most recently used row), skipping any with a referenced row. A blob is
 * deleted only once no index row points at it, so a blob shared by several rows survives while
 * one remains. Rows touched since planning are not deleted.
 */
export async function artifactGcJob(deps: ArtifactGcDeps, now: Date): Promise<ArtifactGcReport> {
  const { db } = deps;
  const maxRows = Math.max(1, Math.floor(deps.maxRows ?? 10_000));
  const isReferenced = deps.isReferenced ?? (() => false);
  const planned = new Map<string, ArtifactRecord>();
  let keptReferenced = 0;

  const expired = await db.query(
    `SELECT ${COLUMNS} FROM artifacts WHERE last_used_at < $1
     ORDER BY last_used_at, tenant_hash, provenance_hash, variable LIMIT $2`,
    [now.getTime() - deps.graceMs, maxRows],
  );
  for (const row of expired.map(toArtifactRecord)) {
    if (await isReferenced(row)) keptReferenced++;
    else planned.set(rowKey(row), row);
  }
  const expiredRows = planned.size;

  const bytesBefore = await storedBytes(db);
  const freed = new Map<string, number>();
  const plannedPerBlob = new Map<string, number>();
  for (const row of planned.values()) {
    plannedPerBlob.set(row.blobKey, (plannedPerBlob.get(row.blobKey) ?? 0) + 1);
  }
  for (const [key, count] of plannedPerBlob) {
    const [usage] = await db.query(
      "SELECT COUNT(*) AS n, MAX(size) AS size FROM artifacts WHERE blob_key = $1",
      [key],
    );
    if (Number(usage.n) === count) freed.set(key, Number(usage.size));
  }
  let stored = bytesBefore - total(freed);
  const cap = deps.maxArtifactBytes;
  for (let offset = 0; cap > 0 && stored > cap && planned.size < 2 * maxRows; offset += PAGE) {
    const page = await db.query(
      `SELECT blob_key, MAX(size) AS size, MAX(last_used_at) AS last_used_at FROM artifacts
       GROUP BY blob_key ORDER BY MAX(last_used_at), blob_key LIMIT $1 OFFSET $2`,
      [PAGE, offset],
    );
    for (const blob of page) {
      const key = blob.blob_key as string;
      if (stored <= cap || planned.size >= 2 * maxRows) break;
      if (freed.has(key)) continue;
      const rows = (await db.query(`SELECT ${COLUMNS} FROM artifacts WHERE blob_key = $1`, [key]))
        .map(toArtifactRecord);
      if (await someAsync(rows, isReferenced)) {
        keptReferenced++;
        continue;
      }
      for (const row of rows) planned.set(rowKey(row), row);
      freed.set(key, Number(blob.size));
      stored -= Number(blob.size);
    }
    if (page.length < PAGE) break;
  }
  const evictedRows = planned.size - expiredRows;
  const freedBytes = total(freed);

  let deletedBlobs = freed.size;
  if (!deps.dryRun) deletedBlobs = await apply(deps, [...planned.values()], [...freed.keys()]);
  const report = {
    dryRun: deps.dryRun ?? false,
    expiredRows,
    evictedRows,
    deletedBlobs,
    freedBytes,
    keptReferenced,
    bytesBefore,
    bytesAfter: bytesBefore - freedBytes,
    blobKeys: [...freed.keys()].slice(0, 100),
  };
  const verb = report.dryRun ? "would delete" : "deleted";
  return {
    summary: `${verb} ${expiredRows + evictedRows} artifact(s) and ${deletedBlobs} blob(s), ` +
      `${freedBytes} bytes; ${keptReferenced} kept as referenced`,
    ...report,
  };
}

/** Deletes the planned rows (unless touched since), then blobs left with no row. */
async function apply(
  deps: ArtifactGcDeps,
  rows: ArtifactRecord[],
  candidates: string[],
): Promise<number> {
  // Short transactions: SQLite has one write lock, and the server keeps writing meanwhile.
  for (let i = 0; i < rows.length; i += PAGE) {
    await deps.db.transaction(async (tx) => {
      for (const row of rows.slice(i, i + PAGE)) {
        await tx.query(
          `DELETE FROM artifacts WHERE tenant_hash = $1 AND provenance_hash = $2
           AND variable = $3 AND last_used_at = $4`,
          [row.tenantHash, row.provenanceHash, row.variable, row.lastUsedAt],
        );
      }
    });
  }
  let deleted = 0;
  for (const key of candidates) {
    // A row written since planning (same content, same key) keeps the blob. A writer racing
    // this check can still lose its blob; its next lookup then misses and re-runs the cell.
    const [{ n }] = await deps.db.query<{ n: number }>(
      "SELECT COUNT(*) AS n FROM artifacts WHERE blob_key = $1",
      [key],
    );
    if (Number(n) > 0) continue;
    await deps.blobStore.delete(key);
    deleted++;
  }
  return deleted;
}

/** Bytes of distinct blobs (a blob shared by several rows counts once). */
async function storedBytes(db: Db): Promise<number> {
  const [row] = await db.query(
    `SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) AS n FROM
     (SELECT blob_key, MAX(size) AS size FROM artifacts GROUP BY blob_key) AS blobs`,
  );
  return Number(row.n);
}

function total(sizes: Map<string, number>): number {
  let sum = 0;
  for (const size of sizes.values()) sum += size;
  return sum;
}

async function someAsync(
  rows: ArtifactRecord[],
  test: (row: ArtifactRecord) => boolean | Promise<boolean>,
): Promise<boolean> {
  for (const row of rows) if (await test(row)) return true;
  return false;
}

function rowKey(row: ArtifactRecord): string {
  return JSON.stringify([row.tenantHash, row.provenanceHash, row.variable]);
}
