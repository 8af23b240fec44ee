/** The artifact index: (tenant, provenance hash, variable) → blob key, content hash, size, codec. */

import type { Db, Row } from "../db/types.ts";

/** One indexed artifact. Times are epoch milliseconds. */
export interface ArtifactRecord {
  tenantHash: string;
  provenanceHash: string;
  /** The variable (or output slot) of the cell this value belongs to. */
  variable: string;
  /** Key in the BlobStore, `<tenantHash>/<aa>/<contentHash>`. */
  blobKey: string;
  /** Hash of the blob's bytes; a blob that no longer matches it is a cache miss. */
  contentHash: string;
  size: number;
  /** How the value was encoded, e.g. "v8", "json", "bytes". */
  codec: string;
  createdAt: number;
  lastUsedAt: number;
}

/** What putArtifact needs; `lastUsedAt` defaults to `createdAt`. */
export type ArtifactInput = Omit<ArtifactRecord, "lastUsedAt"> & { lastUsedAt?: number };

/** A cache lookup: every artifact of one provenance, or a miss. */
export type ArtifactLookup = { hit: true; artifacts: ArtifactRecord[] } | { hit: false };

const COLUMNS = "tenant_hash, provenance_hash, variable, blob_key, content_hash, size, codec, " +
  "created_at, last_used_at";

/**
 * Records an artifact, replacing the entry for the same (tenant, provenance, variable): a
 * forced re-run of a non-deterministic cell points the key at the new blob.
 */
export async function putArtifact(db: Db, row: ArtifactInput): Promise<void> {
  await db.query(
    `INSERT INTO artifacts (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (tenant_hash, provenance_hash, variable) DO UPDATE SET
       blob_key = excluded.blob_key, content_hash = excluded.content_hash,
       size = excluded.size, codec = excluded.codec,
       created_at = excluded.created_at, last_used_at = excluded.last_used_at`,
    [
      row.tenantHash,
      row.provenanceHash,
      row.variable,
      row.blobKey,
      row.contentHash,
      row.size,
      row.codec,
      row.createdAt,
      row.lastUsedAt ?? row.createdAt,
    ],
  );
}

/**
 * The artifacts stored for one provenance hash, sorted by variable. A miss means none: a cell
 * whose run produced nothing to keep should still record one row (e.g. its display output) so
 * that its next run is a hit.
 */
export async function lookupArtifacts(
  db: Db,
  tenantHash: string,
  provenanceHash: string,
): Promise<ArtifactLookup> {
  const rows = await db.query(
    `SELECT ${COLUMNS} FROM artifacts WHERE tenant_hash = $1 AND provenance_hash = $2
     ORDER BY variable`,
    [tenantHash, provenanceHash],
  );
  return rows.length === 0 ? { hit: false } : { hit: true, artifacts: rows.map(toArtifactRecord) };
}

/** Provenances per query of lookupArtifactsMany (well under SQLite's and PostgreSQL's limits). */
const LOOKUP_CHUNK = 500;

/**
 * The artifacts of many provenance hashes at once (issue 20: a cached run-all asks once, not once
 * per cell): provenance hash → its artifacts sorted by variable; absent: a miss.
 */
export async function lookupArtifactsMany(
  db: Db,
  tenantHash: string,
  provenanceHashes: readonly string[],
): Promise<Map<string, ArtifactRecord[]>> {
  const out = new Map<string, ArtifactRecord[]>();
  const unique = [...new Set(provenanceHashes)];
  for (let i = 0; i < unique.length; i += LOOKUP_CHUNK) {
    const chunk = unique.slice(i, i + LOOKUP_CHUNK);
    const rows = await db.query(
      `SELECT ${COLUMNS} FROM artifacts WHERE tenant_hash = $1 AND provenance_hash IN (${
        chunk.map((_, j) => `$${j + 2}`).join(", ")
      }) ORDER BY provenance_hash, variable`,
      [tenantHash, ...chunk],
    );
    for (const row of rows) {
      const record = toArtifactRecord(row);
      const list = out.get(record.provenanceHash);
      if (list) list.push(record);
      else out.set(record.provenanceHash, [record]);
    }
  }
  return out;
}

/** Marks one provenance's artifacts as used at `now` (retention keeps recently used ones). */
export async function touchArtifacts(
  db: Db,
  tenantHash: string,
  provenanceHash: string,
  now: number,
): Promise<number> {
  const rows = await db.query(
    `UPDATE artifacts SET last_used_at = $3 WHERE tenant_hash = $1 AND provenance_hash = $2
     RETURNING variable`,
    [tenantHash, provenanceHash, now],
  );
  return rows.length;
}

/**
 * Removes one provenance's index entries (e.g. a blob turned out corrupt) and returns them, so
 * the caller can delete blobs no other entry references (see countBlobReferences).
 */
export async function deleteArtifactsByProvenance(
  db: Db,
  tenantHash: string,
  provenanceHash: string,
): Promise<ArtifactRecord[]> {
  const rows = await db.query(
    `DELETE FROM artifacts WHERE tenant_hash = $1 AND provenance_hash = $2 RETURNING ${COLUMNS}`,
    [tenantHash, provenanceHash],
  );
  return rows.map(toArtifactRecord).sort((a, b) => a.variable.localeCompare(b.variable));
}

/** Options for listArtifactsForTenant. */
export interface ListArtifactsOptions {
  /** @default 1000 */
  limit?: number;
  /** Only entries last used before this time (retention candidates). */
  lastUsedBefore?: number;
}

/** A tenant's artifacts, most recently used first. */
export async function listArtifactsForTenant(
  db: Db,
  tenantHash: string,
  options: ListArtifactsOptions = {},
): Promise<ArtifactRecord[]> {
  const limit = clampLimit(options.limit ?? 1000);
  const rows = options.lastUsedBefore === undefined
    ? await db.query(
      `SELECT ${COLUMNS} FROM artifacts WHERE tenant_hash = $1
       ORDER BY last_used_at DESC, provenance_hash, variable LIMIT $2`,
      [tenantHash, limit],
    )
    : await db.query(
      `SELECT ${COLUMNS} FROM artifacts WHERE tenant_hash = $1 AND last_used_at < $2
       ORDER BY last_used_at DESC, provenance_hash, variable LIMIT $3`,
      [tenantHash, options.lastUsedBefore, limit],
    );
  return rows.map(toArtifactRecord);
}

/** How many index entries point at a blob; 0 means the blob may be deleted. */
export async function countBlobReferences(db: Db, blobKey: string): Promise<number> {
  const rows = await db.query<{ n: number }>(
    "SELECT COUNT(*) AS n FROM artifacts WHERE blob_key = $1",
    [blobKey],
  );
  return Number(rows[0].n);
}

/** Sum of indexed artifact sizes, for one tenant or all (a blob shared by entries counts each time). */
export async function totalArtifactBytes(db: Db, tenantHash?: string): Promise<number> {
  // SUM(bigint) is numeric on PostgreSQL; the cast keeps it an integer on both backends.
  const rows = tenantHash === undefined
    ? await db.query<{ n: number }>(
      "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) AS n FROM artifacts",
    )
    : await db.query<{ n: number }>(
      "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) AS n FROM artifacts WHERE tenant_hash = $1",
      [tenantHash],
    );
  return Number(rows[0].n);
}

function clampLimit(limit: number): number {
  return Math.min(Math.max(Math.floor(limit), 1), 100_000);
}

/** An `artifacts` table row as an ArtifactRecord (numbers normalized across backends). */
export function toArtifactRecord(row: Row): ArtifactRecord {
  return {
    tenantHash: row.tenant_hash as string,
    provenanceHash: row.provenance_hash as string,
    variable: row.variable as string,
    blobKey: row.blob_key as string,
    contentHash: row.content_hash as string,
    size: Number(row.size),
    codec: row.codec as string,
    createdAt: Number(row.created_at),
    lastUsedAt: Number(row.last_used_at),
  };
}
