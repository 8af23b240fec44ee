/** Audit event shapes, the fields the hash chain covers, and the row hash itself. */

import { createHmac } from "node:crypto";
import type { Row } from "../db/types.ts";
import { canonicalJson } from "./canonical_json.ts";

/**
 * What happened, as a caller records it. `details` holds names only for env and secret
 * changes (e.g. `{ keys: ["API_URL"] }`, see keyNamesOnly), never values: the audit log is
 * read by operators who must not learn secrets from it.
 */
export interface AuditEventInput {
  tenantHash: string;
  /** The principal who acted; null when unauthenticated (personal mode, auth failures). */
  actor: string | null;
  /** Dotted verb, e.g. "notebook.create", "cell.execute", "acl.deny", "auth.failure". */
  action: string;
  /** What it was done to, e.g. "notebook:<id>", "cell:<notebook>/<cell>". */
  resource: string;
  details?: Record<string, unknown>;
  /** For cell executions: the provenance hash that ran. */
  provenanceHash?: string | null;
  /** For cell executions: the content hash of the output it produced. */
  outputHash?: string | null;
  /** When it happened, epoch milliseconds. */
  at: number;
}

/** A stored audit row: the event plus its place in the tenant's chain. */
export interface AuditRow {
  tenantHash: string;
  /** 1-based position in the tenant's chain. */
  seq: number;
  at: number;
  actor: string | null;
  action: string;
  resource: string;
  /** Canonical JSON of the details, exactly as hashed and stored. */
  detailsJson: string;
  provenanceHash: string | null;
  outputHash: string | null;
  hmacKeyId: string;
  /** Row hash of seq - 1 (hex), or AUDIT_GENESIS_HASH for seq 1. */
  prevHash: string;
  /** HMAC-SHA256(key, canonicalJson(hashed fields) ‖ prev hash bytes), hex. */
  rowHash: string;
}

/** The previous hash of every chain's first row: 32 zero bytes, hex. */
export const AUDIT_GENESIS_HASH = "0".repeat(64);

/** Column list of audit_events in AuditRow order. */
export const AUDIT_COLUMNS = "tenant_hash, seq, at, actor, action, resource, details_json, " +
  "provenance_hash, output_hash, hmac_key_id, prev_hash, row_hash";

/**
 * The row hash. Every stored column except row_hash is covered: the event fields, seq and the
 * key id as canonical JSON, and prev_hash as its raw 32 bytes appended, so changing, reordering,
 * removing or re-signing a row under another key id breaks the chain from that row on.
 */
export function auditRowHash(secret: Uint8Array, row: Omit<AuditRow, "rowHash">): string {
  const fields = canonicalJson({
    tenant_hash: row.tenantHash,
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    action: row.action,
    resource: row.resource,
    details_json: row.detailsJson,
    provenance_hash: row.provenanceHash,
    output_hash: row.outputHash,
    hmac_key_id: row.hmacKeyId,
  });
  const prev = hexBytes(row.prevHash);
  return createHmac("sha256", secret).update(fields).update(prev).digest("hex");
}

/**
 * The key names of an env or secret map, sorted: what an audit event may say about an env or
 * secret-manager change (`details: { keys: keyNamesOnly(env) }`).
 */
export function keyNamesOnly(map: Record<string, unknown>): string[] {
  return Object.keys(map).sort();
}

/** Maps an audit_events row (either backend) to an AuditRow. */
export function toAuditRow(row: Row): AuditRow {
  return {
    tenantHash: row.tenant_hash as string,
    seq: Number(row.seq),
    at: Number(row.at),
    actor: (row.actor as string | null) ?? null,
    action: row.action as string,
    resource: row.resource as string,
    detailsJson: row.details_json as string,
    provenanceHash: (row.provenance_hash as string | null) ?? null,
    outputHash: (row.output_hash as string | null) ?? null,
    hmacKeyId: row.hmac_key_id as string,
    prevHash: row.prev_hash as string,
    rowHash: row.row_hash as string,
  };
}

/** Hex to bytes; a malformed value yields bytes that simply fail to verify. */
function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(Math.floor(hex.length / 2));
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16) || 0;
  return out;
}
