import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { AUDIT_GENESIS_HASH, type AuditRow, auditRowHash, keyNamesOnly } from "./audit_event.ts";
import { canonicalJson } from "./canonical_json.ts";

const ROW: Omit<AuditRow, "rowHash"> = {
  tenantHash: "t",
  seq: 1,
  at: 1700000000000,
  actor: "alice",
  action: "cell.execute",
  resource: "cell:nb/c1",
  detailsJson: '{"mode":"normal"}',
  provenanceHash: "p",
  outputHash: "o",
  hmacKeyId: "k1",
  prevHash: AUDIT_GENESIS_HASH,
};
const SECRET = new TextEncoder().encode("v".repeat(32));

Deno.test("auditRowHash - matches an independently computed HMAC (pinned: changing it breaks stored chains)", () => {
  // openssl dgst -sha256 -hmac vvvv...(32) over the canonical JSON of the fields followed by
  // 32 zero bytes gives the same value.
  assert.equal(
    auditRowHash(SECRET, ROW),
    "3b6fac783eb4464bd3df8f44de0f2b4fd7529a435778c65ce0089330e086e277",
  );
});

Deno.test("auditRowHash - every stored field and the previous hash change the hash", () => {
  const base = auditRowHash(SECRET, ROW);
  const variants: Partial<AuditRow>[] = [
    { tenantHash: "u" },
    { seq: 2 },
    { at: ROW.at + 1 },
    { actor: null },
    { action: "x" },
    { resource: "y" },
    { detailsJson: "{}" },
    { provenanceHash: null },
    { outputHash: "o2" },
    { hmacKeyId: "k2" },
    { prevHash: "11".repeat(32) },
  ];
  for (const change of variants) {
    assert.notEqual(auditRowHash(SECRET, { ...ROW, ...change }), base, JSON.stringify(change));
  }
  assert.notEqual(auditRowHash(new TextEncoder().encode("w".repeat(32)), ROW), base);
});

Deno.test("keyNamesOnly - returns sorted key names, never values", () => {
  assert.deepEqual(keyNamesOnly({ TOKEN: "secret", API_URL: "https://x" }), ["API_URL", "TOKEN"]);
});

/** The row hash exactly as it was computed before issue 20: createHmac over canonicalJson. */
function referenceHash(secret: Uint8Array, row: Omit<AuditRow, "rowHash">): string {
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
  const prev = new Uint8Array(Math.floor(row.prevHash.length / 2));
  for (let i = 0; i < prev.length; i++) {
    prev[i] = parseInt(row.prevHash.slice(i * 2, i * 2 + 2), 16) || 0;
  }
  return createHmac("sha256", secret).update(fields).update(prev).digest("hex");
}

Deno.test("auditRowHash - equals createHmac over canonical JSON for any key length and field values", () => {
  const rows: Omit<AuditRow, "rowHash">[] = [
    ROW,
    { ...ROW, actor: null, provenanceHash: null, outputHash: null },
    {
      ...ROW,
      resource: 'quote " back\\slash \n newline \u2028 é 😀 \ud800 lone',
      seq: 2 ** 53 - 1,
    },
    { ...ROW, detailsJson: '{"a":[1,2,{"b":null}]}', at: 0, action: "x" },
    { ...ROW, prevHash: "AB".repeat(32) }, // upper-case hex
    { ...ROW, prevHash: "zz" + "0".repeat(62) }, // malformed: must fail the same way
    { ...ROW, prevHash: "abc" }, // short
  ];
  for (const length of [0, 1, 31, 32, 63, 64, 65, 100, 200]) {
    const secret = crypto.getRandomValues(new Uint8Array(length));
    for (const row of rows) {
      assert.equal(auditRowHash(secret, row), referenceHash(secret, row), `key ${length}`);
    }
  }
});

Deno.test("auditRowHash - a key changed in place is not served from the cached key blocks", () => {
  const secret = new TextEncoder().encode("k".repeat(32));
  const before = auditRowHash(secret, ROW);
  secret[0] ^= 1;
  assert.notEqual(auditRowHash(secret, ROW), before);
  assert.equal(auditRowHash(secret, ROW), referenceHash(secret, ROW));
});

Deno.test("auditRowHash - fields of unexpected types get canonicalJson's text or error", () => {
  const odd = { ...ROW, actor: undefined } as unknown as Omit<AuditRow, "rowHash">;
  assert.equal(auditRowHash(SECRET, odd), referenceHash(SECRET, odd));
  assert.throws(() => auditRowHash(SECRET, { ...ROW, at: NaN }), /not a finite number/);
  assert.throws(() => auditRowHash(SECRET, { ...ROW, seq: Infinity }), /not a finite number/);
});
