import assert from "node:assert/strict";
import { AUDIT_GENESIS_HASH, type AuditRow, auditRowHash, keyNamesOnly } from "./audit_event.ts";

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
