/** Audit event shapes, the fields the hash chain covers, and the row hash itself. */

import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
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
  return auditRowDigest(secret, row, hexBytes(row.prevHash)).toString("hex");
}

/**
 * auditRowHash as raw bytes, given the previous hash's bytes (an append passes the previous
 * row's digest on instead of parsing its hex again). The HMAC is RFC 2104 over SHA-256 with the
 * key's padded blocks kept per key (see hmacPads): byte for byte what `createHmac` computes
 * (pinned by a test against it), at a third of the CPU, since `createHmac` imports the key on
 * every call (issue 20: ≈10 µs of a cached run-all's ≈25 µs per cell).
 */
export function auditRowDigest(
  secret: Uint8Array,
  row: Omit<AuditRow, "rowHash">,
  prev: Uint8Array,
): Buffer {
  const pads = hmacPads(secret);
  const inner = createHash("sha256").update(pads.inner).update(hashedFields(row)).update(prev)
    .digest();
  return createHash("sha256").update(pads.outer).update(inner).digest();
}

/**
 * The hashed fields' canonical JSON: the keys in canonicalJson's (sorted) order, written
 * directly when every field has its usual type; anything else (a non-finite number, a missing
 * field) goes through canonicalJson itself, so the text and the errors are exactly its own.
 */
function hashedFields(row: Omit<AuditRow, "rowHash">): string {
  if (
    Number.isFinite(row.seq) && Number.isFinite(row.at) && typeof row.action === "string" &&
    typeof row.resource === "string" && typeof row.detailsJson === "string" &&
    typeof row.hmacKeyId === "string" && typeof row.tenantHash === "string" &&
    nullableString(row.actor) && nullableString(row.outputHash) &&
    nullableString(row.provenanceHash)
  ) {
    const q = JSON.stringify;
    return `{"action":${q(row.action)},"actor":${q(row.actor)},"at":${q(row.at)},` +
      `"details_json":${q(row.detailsJson)},"hmac_key_id":${q(row.hmacKeyId)},` +
      `"output_hash":${q(row.outputHash)},"provenance_hash":${q(row.provenanceHash)},` +
      `"resource":${q(row.resource)},"seq":${q(row.seq)},"tenant_hash":${q(row.tenantHash)}}`;
  }
  return canonicalJson({
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
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function nullableString(value: unknown): boolean {
  return value === null || typeof value === "string";
}

/** HMAC-SHA256's inner and outer key blocks (RFC 2104: a key over 64 bytes is hashed first). */
interface Pads {
  key: Uint8Array;
  inner: Uint8Array;
  outer: Uint8Array;
}
const padsByKey = new WeakMap<Uint8Array, Pads>();
function hmacPads(secret: Uint8Array): Pads {
  let pads = padsByKey.get(secret);
  // The copy kept beside the pads notices a key array changed in place since.
  if (!pads || !sameBytes(secret, pads.key)) {
    const block = new Uint8Array(64);
    block.set(secret.length > 64 ? createHash("sha256").update(secret).digest() : secret);
    pads = {
      key: Uint8Array.from(secret),
      inner: block.map((b) => b ^ 0x36),
      outer: block.map((b) => b ^ 0x5c),
    };
    padsByKey.set(secret, pads);
  }
  return pads;
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
export function hexBytes(hex: string): Uint8Array {
  if (HEX_64.test(hex)) return Buffer.from(hex, "hex");
  const out = new Uint8Array(Math.floor(hex.length / 2));
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16) || 0;
  return out;
}

const HEX_64 = /^[0-9a-f]{64}$/;
