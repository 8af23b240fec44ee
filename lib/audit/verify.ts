/** Whole-chain verification: recompute every row hash and name the first row that fails. */

import { timingSafeEqual } from "node:crypto";
import type { Db } from "../db/types.ts";
import { DEVELOPMENT_AUDIT_KEY_ID } from "./audit_key.ts";
import { AUDIT_COLUMNS, AUDIT_GENESIS_HASH, auditRowHash, toAuditRow } from "./audit_event.ts";

/** Options for verifyAudit. */
export interface VerifyAuditOptions {
  /** Verify one tenant's chain. @default every tenant */
  tenantHash?: string;
  /** Rows read per query; memory stays flat however long the chain. @default 1000 */
  pageSize?: number;
}

/** The outcome: every chain intact, or the first broken row with the reason. */
export type AuditVerification =
  | { ok: true; rows: number; tenants: number }
  | { ok: false; tenantHash: string; seq: number; reason: string; rows: number };

/**
 * Walks the chain(s) in (tenant, seq) order and stops at the first row that is out of sequence,
 * whose prev_hash does not match the previous row's hash, whose key id is not in `keys`, or whose
 * recomputed HMAC differs. A chain whose last rows were removed is caught by comparing with the
 * tenant's head (audit_heads). `rows` counts the rows checked.
 */
export async function verifyAudit(
  db: Db,
  keys: ReadonlyMap<string, Uint8Array>,
  options: VerifyAuditOptions = {},
): Promise<AuditVerification> {
  const pageSize = Math.max(1, Math.floor(options.pageSize ?? 1000));
  const tenantFilter = options.tenantHash;
  const tails = new Map<string, { seq: number; hash: string }>();
  let checked = 0;
  let cursor: { tenant: string; seq: number } | null = null;
  let tenant: string | null = null;
  let expectedSeq = 1;
  let prevHash = AUDIT_GENESIS_HASH;

  for (;;) {
    const page = await readPage(db, tenantFilter, cursor, pageSize);
    for (const raw of page) {
      const row = toAuditRow(raw);
      if (row.tenantHash !== tenant) {
        tenant = row.tenantHash;
        expectedSeq = 1;
        prevHash = AUDIT_GENESIS_HASH;
      }
      const fail = (reason: string): AuditVerification => ({
        ok: false,
        tenantHash: row.tenantHash,
        seq: row.seq,
        reason,
        rows: checked,
      });
      if (row.seq > expectedSeq) {
        return fail(`seq gap: expected seq ${expectedSeq}, found seq ${row.seq}`);
      }
      if (row.seq < expectedSeq) return fail(`duplicate seq ${row.seq}`);
      if (row.prevHash !== prevHash) {
        return fail(
          row.seq === 1
            ? "prev_hash of the first row is not the genesis hash"
            : `prev_hash does not link to the row hash of seq ${row.seq - 1}`,
        );
      }
      const secret = keys.get(row.hmacKeyId);
      if (!secret) return fail(unknownKeyReason(row.hmacKeyId));
      if (!sameHex(auditRowHash(secret, row), row.rowHash)) {
        return fail("row hash mismatch: a hashed field was changed");
      }
      checked++;
      expectedSeq = row.seq + 1;
      prevHash = row.rowHash;
      tails.set(row.tenantHash, { seq: row.seq, hash: row.rowHash });
    }
    if (page.length < pageSize) break;
    const last = page[page.length - 1];
    cursor = { tenant: last.tenant_hash as string, seq: Number(last.seq) };
  }

  const heads = tenantFilter === undefined
    ? await db.query("SELECT tenant_hash, seq, row_hash FROM audit_heads WHERE seq > 0")
    : await db.query(
      "SELECT tenant_hash, seq, row_hash FROM audit_heads WHERE seq > 0 AND tenant_hash = $1",
      [tenantFilter],
    );
  for (const head of heads) {
    const tenantHash = head.tenant_hash as string;
    const tail = tails.get(tenantHash) ?? { seq: 0, hash: AUDIT_GENESIS_HASH };
    const headSeq = Number(head.seq);
    if (tail.seq < headSeq) {
      return {
        ok: false,
        tenantHash,
        seq: tail.seq + 1,
        reason: `chain truncated: the head records seq ${headSeq}, the last row is seq ${tail.seq}`,
        rows: checked,
      };
    }
    if (tail.seq === headSeq && tail.hash !== head.row_hash) {
      return {
        ok: false,
        tenantHash,
        seq: tail.seq,
        reason: "the last row's hash differs from the hash recorded in the chain head",
        rows: checked,
      };
    }
  }
  return { ok: true, rows: checked, tenants: tails.size };
}

function readPage(
  db: Db,
  tenant: string | undefined,
  cursor: { tenant: string; seq: number } | null,
  limit: number,
) {
  const order = "ORDER BY tenant_hash, seq";
  if (tenant !== undefined) {
    return db.query(
      `SELECT ${AUDIT_COLUMNS} FROM audit_events WHERE tenant_hash = $1 AND seq > $2 ${order}
       LIMIT $3`,
      [tenant, cursor?.seq ?? 0, limit],
    );
  }
  if (cursor === null) {
    return db.query(`SELECT ${AUDIT_COLUMNS} FROM audit_events ${order} LIMIT $1`, [limit]);
  }
  return db.query(
    `SELECT ${AUDIT_COLUMNS} FROM audit_events
     WHERE (tenant_hash, seq) > ($1, $2) ${order} LIMIT $3`,
    [cursor.tenant, cursor.seq, limit],
  );
}

function unknownKeyReason(id: string): string {
  if (id === DEVELOPMENT_AUDIT_KEY_ID) {
    return "signed with the public development key (id 'dev'), which verifies only in personal " +
      "mode: anyone can compute it, so in service mode such a row proves nothing";
  }
  return `unknown hmac key id '${id}': if the audit key was rotated, configure the old key ` +
    `in STRATA_AUDIT_RETIRED_KEYS as ${id}:<old key>`;
}

function sameHex(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  const enc = new TextEncoder();
  return timingSafeEqual(enc.encode(a), enc.encode(b));
}
