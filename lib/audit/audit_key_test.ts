import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  auditKey,
  auditKeyring,
  DEVELOPMENT_AUDIT_KEY_ID,
  developmentAuditKey,
  parseRetiredKey,
  retiredKeyProblems,
} from "./audit_key.ts";

Deno.test("auditKey - a key shorter than 32 bytes is refused", () => {
  assert.throws(() => auditKey("x".repeat(31)), /31 bytes; it must be at least 32 bytes/);
  assert.throws(() => auditKey(new Uint8Array(16)), /16 bytes/);
  assert.throws(() => auditKey(""), /0 bytes/);
});

Deno.test("auditKey - the id defaults to the first 8 hex of SHA-256 of the key", () => {
  const secret = "s".repeat(32);
  const key = auditKey(secret);
  assert.equal(key.id, createHash("sha256").update(secret).digest("hex").slice(0, 8));
  assert.equal(auditKey(secret, "k2").id, "k2");
  assert.deepEqual(key.secret, new TextEncoder().encode(secret));
});

Deno.test("auditKey - a malformed id is refused", () => {
  assert.throws(() => auditKey("s".repeat(32), "has space"), /Invalid audit key id/);
});

Deno.test("developmentAuditKey - is fixed, long enough and recognisable", () => {
  const a = developmentAuditKey();
  assert.equal(a.id, DEVELOPMENT_AUDIT_KEY_ID);
  assert.deepEqual(developmentAuditKey(), a);
  assert.ok(a.secret.length >= 32);
});

Deno.test("auditKeyring - maps ids to secrets and refuses two secrets under one id", () => {
  const a = auditKey("a".repeat(32), "one");
  const ring = auditKeyring([a, auditKey("b".repeat(32))]);
  assert.equal(ring.size, 2);
  assert.deepEqual(ring.get("one"), a.secret);
  assert.throws(() => auditKeyring([a, auditKey("c".repeat(32), "one")]), /share the id 'one'/);
});

Deno.test("parseRetiredKey - <id>:<key> keeps the id; a bare key derives it like the current key", () => {
  const secret = "r".repeat(40);
  assert.deepEqual(parseRetiredKey(secret), auditKey(secret));
  assert.equal(parseRetiredKey(`k-2025:${secret}`).id, "k-2025");
  assert.deepEqual(parseRetiredKey(`k-2025:${secret}`).secret, auditKey(secret).secret);
});

Deno.test("retiredKeyProblems - names the entry, never shows the key", () => {
  const short = "short-secret-value";
  const problems = retiredKeyProblems(["a".repeat(32), `bad id:${"b".repeat(32)}`, `x:${short}`]);
  assert.equal(problems.length, 2, problems.join("\n"));
  assert.match(problems[0], /^entry 2: Invalid audit key id 'bad id'/);
  assert.match(problems[1], /^entry 3: Audit HMAC key is 18 bytes/);
  assert.ok(!problems.join("").includes(short));
  assert.deepEqual(retiredKeyProblems([`one:${"a".repeat(32)}`, `one:${"c".repeat(32)}`]), [
    "Two different audit keys share the id 'one'",
  ]);
});
