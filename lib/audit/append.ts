/** Appending to a tenant's audit hash chain, inside the caller's transaction. */

import { insertMany } from "../db/_insert_many.ts";
import type { Db } from "../db/types.ts";
import type { AuditKey } from "./audit_key.ts";
import {
  AUDIT_COLUMNS,
  AUDIT_GENESIS_HASH,
  type AuditEventInput,
  type AuditRow,
  auditRowDigest,
  hexBytes,
} from "./audit_event.ts";
import { canonicalJson } from "./canonical_json.ts";

/**
 * Appends one event to its tenant's chain and returns the stored row. Pass the transaction
 * handle of the change being recorded so both commit or neither does; given a plain Db, the
 * append runs in a transaction of its own.
 *
 * Writers are serialized per tenant by the `audit_heads` row (SELECT ... FOR UPDATE on
 * PostgreSQL; SQLite's BEGIN IMMEDIATE already holds the only write lock), and the head is
 * advanced with a compare-and-set, so concurrent writers cannot fork a chain. Throws a
 * TypeError for an invalid event (empty action, non-integer time, details that are not JSON).
 */
export async function appendAudit(
  db: Db,
  key: AuditKey,
  event: AuditEventInput,
): Promise<AuditRow> {
  // One event is a batch of one: the same lock, chain and compare-and-set.
  return (await appendAuditBatch(db, key, [event]))[0];
}

/**
 * Appends events of one tenant, in order, as one step: the head is read and advanced once and
 * the rows go in together (insertMany) (issue 20: a cached run-all of 100 cells was ≈400 SQL
 * round trips of audit alone). The rows, hashes and locking are exactly those of appending each
 * event with appendAudit in turn.
 */
export async function appendAuditBatch(
  db: Db,
  key: AuditKey,
  events: readonly AuditEventInput[],
): Promise<AuditRow[]> {
  if (events.length === 0) return [];
  const texts = new Map<object, string>(); // events often share one details object
  const details = events.map((event) => validate(event, texts));
  const tenantHash = events[0].tenantHash;
  if (events.some((e) => e.tenantHash !== tenantHash)) {
    throw new TypeError("Cannot append audit events: a batch belongs to one tenant");
  }
  return await db.transaction(async (tx) => {
    const lock = tx.kind === "postgres" ? " FOR UPDATE" : "";
    const readHead = () =>
      tx.query<{ seq: number; row_hash: string }>(
        `SELECT seq, row_hash FROM audit_heads WHERE tenant_hash = $1${lock}`,
        [tenantHash],
      );
    // The head exists after a tenant's first event: read (and lock) it; only a tenant's first
    // append creates it, then reads it again (issue 20: one statement less per append).
    let [head] = await readHead();
    if (!head) {
      await tx.query(
        "INSERT INTO audit_heads (tenant_hash, seq, row_hash) VALUES ($1, 0, $2) " +
          "ON CONFLICT (tenant_hash) DO NOTHING",
        [tenantHash, AUDIT_GENESIS_HASH],
      );
      [head] = await readHead();
    }
    const first = Number(head.seq);
    let prevHash = head.row_hash;
    let prevBytes = hexBytes(prevHash);
    const rows = events.map((event, i): AuditRow => {
      const unsigned: Omit<AuditRow, "rowHash"> = {
        tenantHash,
        seq: first + i + 1,
        at: event.at,
        actor: event.actor,
        action: event.action,
        resource: event.resource,
        detailsJson: details[i],
        provenanceHash: event.provenanceHash ?? null,
        outputHash: event.outputHash ?? null,
        hmacKeyId: key.id,
        prevHash,
      };
      const digest = auditRowDigest(key.secret, unsigned, prevBytes);
      prevBytes = digest;
      prevHash = digest.toString("hex");
      return { ...unsigned, rowHash: prevHash };
    });
    await insertRows(tx, rows);
    const last = rows[rows.length - 1];
    const advanced = await tx.query(
      "UPDATE audit_heads SET seq = $2, row_hash = $3 WHERE tenant_hash = $1 AND seq = $4 " +
        "RETURNING seq",
      [tenantHash, last.seq, last.rowHash, first],
    );
    if (advanced.length !== 1) {
      throw new Error(
        `Cannot append audit events: tenant '${tenantHash}' chain head moved during the append`,
      );
    }
    return rows;
  });
}

const COLUMN_LIST = AUDIT_COLUMNS.split(", ");

/** The rows in one step (see insertMany: multi-row on PostgreSQL, cached one-row on SQLite). */
function insertRows(tx: Db, rows: readonly AuditRow[]): Promise<void> {
  return insertMany(
    tx,
    "audit_events",
    COLUMN_LIST,
    rows.map((row) => [
      row.tenantHash,
      row.seq,
      row.at,
      row.actor,
      row.action,
      row.resource,
      row.detailsJson,
      row.provenanceHash,
      row.outputHash,
      row.hmacKeyId,
      row.prevHash,
      row.rowHash,
    ]),
  );
}

function validate(event: AuditEventInput, texts: Map<object, string>): string {
  if (typeof event.tenantHash !== "string" || event.tenantHash === "") {
    throw new TypeError("Cannot append audit event: tenantHash must be a non-empty string");
  }
  if (typeof event.action !== "string" || event.action === "") {
    throw new TypeError("Cannot append audit event: action must be a non-empty string");
  }
  if (typeof event.resource !== "string") {
    throw new TypeError("Cannot append audit event: resource must be a string");
  }
  if (event.actor !== null && typeof event.actor !== "string") {
    throw new TypeError("Cannot append audit event: actor must be a string or null");
  }
  if (!Number.isSafeInteger(event.at) || event.at < 0) {
    throw new TypeError(
      `Cannot append audit event: at must be epoch milliseconds, got ${String(event.at)}`,
    );
  }
  const details = event.details ?? {};
  if (typeof details !== "object" || details === null || Array.isArray(details)) {
    throw new TypeError("Cannot append audit event: details must be an object");
  }
  let text = texts.get(details);
  if (text === undefined) texts.set(details, text = canonicalJson(details));
  return text;
}
