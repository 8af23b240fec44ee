/**
 * The audit hash chain on SQLite and PostgreSQL with the same cases: genesis and links, one
 * chain per tenant, tamper detection (rows altered as the database owner, bypassing triggers),
 * append-only enforcement, concurrent writers, and transactional appends.
 */

import assert from "node:assert/strict";
import { forEachBackend } from "../lib/db/testing.ts";
import type { Db, SqlValue } from "../lib/db/types.ts";
import { appendAudit, appendAuditBatch } from "../lib/audit/append.ts";
import {
  auditKey,
  auditKeyring,
  DEVELOPMENT_AUDIT_KEY_ID,
  developmentAuditKey,
  serverAuditKeys,
} from "../lib/audit/audit_key.ts";
import { AUDIT_GENESIS_HASH, type AuditEventInput } from "../lib/audit/audit_event.ts";
import { verifyAudit } from "../lib/audit/verify.ts";
import { listAuditEvents } from "../lib/audit/list.ts";
import { auditVerifyCommand } from "../lib/audit/commands.ts";

const KEY = auditKey("k".repeat(32));
const KEYS = auditKeyring([KEY]);
const T0 = Date.UTC(2026, 2, 15, 12);

function event(tenantHash: string, i: number, extra: Partial<AuditEventInput> = {}) {
  return {
    tenantHash,
    actor: `user${i % 3}`,
    action: i % 2 === 0 ? "cell.execute" : "notebook.open",
    resource: `notebook:nb${i}`,
    details: { i, keys: ["API_URL"] },
    provenanceHash: `prov${i}`,
    outputHash: `out${i}`,
    at: T0 + i * 1000,
    ...extra,
  };
}

/** Changes stored rows as the database owner would: with the append-only triggers bypassed. */
async function asOwner(db: Db, sql: string, params: SqlValue[] = []): Promise<void> {
  await db.transaction(async (tx) => {
    if (tx.kind === "postgres") {
      await tx.exec("SET LOCAL session_replication_role = replica");
      await tx.query(sql, params);
      return;
    }
    await tx.exec("DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete");
    await tx.query(sql, params);
    await tx.exec(
      `CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
       CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;`,
    );
  });
}

forEachBackend("audit - the first row links to genesis and the second to the first", async (db) => {
  const first = await appendAudit(db, KEY, event("t1", 0));
  const second = await appendAudit(db, KEY, event("t1", 1));
  assert.equal(first.seq, 1);
  assert.equal(first.prevHash, AUDIT_GENESIS_HASH);
  assert.equal(first.prevHash, "00".repeat(32));
  assert.equal(first.hmacKeyId, KEY.id);
  assert.equal(second.seq, 2);
  assert.equal(second.prevHash, first.rowHash);
  assert.match(second.rowHash, /^[0-9a-f]{64}$/);
  assert.deepEqual(await verifyAudit(db, KEYS), { ok: true, rows: 2, tenants: 1 });
});

forEachBackend("audit - each tenant starts its own chain at genesis", async (db) => {
  const a1 = await appendAudit(db, KEY, event("tenantA", 0));
  const b1 = await appendAudit(db, KEY, event("tenantB", 0));
  const a2 = await appendAudit(db, KEY, event("tenantA", 1));
  assert.deepEqual([a1.seq, b1.seq, a2.seq], [1, 1, 2]);
  assert.equal(b1.prevHash, AUDIT_GENESIS_HASH);
  assert.equal(a2.prevHash, a1.rowHash);
  assert.deepEqual(await verifyAudit(db, KEYS), { ok: true, rows: 3, tenants: 2 });
  assert.deepEqual(await verifyAudit(db, KEYS, { pageSize: 2 }), { ok: true, rows: 3, tenants: 2 });
  assert.deepEqual(await verifyAudit(db, KEYS, { tenantHash: "tenantB" }), {
    ok: true,
    rows: 1,
    tenants: 1,
  });
});

const TAMPERS: [string, string, SqlValue, RegExp][] = [
  ["at", "at = at + 1", null, /hash mismatch/],
  ["actor", "actor = $1", "mallory", /hash mismatch/],
  ["actor (to null)", "actor = NULL", null, /hash mismatch/],
  ["action", "action = $1", "notebook.delete", /hash mismatch/],
  ["resource", "resource = $1", "notebook:other", /hash mismatch/],
  ["details_json", "details_json = $1", '{"i":1,"keys":["API_URL","X"]}', /hash mismatch/],
  ["provenance_hash", "provenance_hash = $1", "forged", /hash mismatch/],
  ["output_hash", "output_hash = $1", "forged", /hash mismatch/],
  ["hmac_key_id (unknown)", "hmac_key_id = $1", "nokey", /unknown hmac key id 'nokey'/],
  ["hmac_key_id (other key)", "hmac_key_id = $1", "old", /hash mismatch/],
  ["prev_hash", "prev_hash = $1", "ab".repeat(32), /prev_hash does not link/],
  ["row_hash", "row_hash = $1", "cd".repeat(32), /hash mismatch/],
];

forEachBackend("audit - altering any hashed field makes verify name that row", async (db) => {
  const keys = auditKeyring([KEY, auditKey("o".repeat(32), "old")]);
  for (const [field, set, value, reason] of TAMPERS) {
    const tenant = `t-${field.replace(/\W+/g, "-")}`;
    for (let i = 0; i < 4; i++) await appendAudit(db, KEY, event(tenant, i));
    assert.equal((await verifyAudit(db, keys, { tenantHash: tenant })).ok, true);
    await asOwner(
      db,
      `UPDATE audit_events SET ${set} WHERE tenant_hash = $${value === null ? 1 : 2} AND seq = 2`,
      value === null ? [tenant] : [value, tenant],
    );
    const result = await verifyAudit(db, keys, { tenantHash: tenant });
    assert.equal(result.ok, false, field);
    if (!result.ok) {
      assert.equal(result.tenantHash, tenant, field);
      assert.equal(result.seq, 2, field);
      assert.match(result.reason, reason, field);
      assert.equal(result.rows, 1, field);
    }
  }
  // The whole-log walk finds the first broken chain too, and the CLI says so with exit 1.
  const all = await verifyAudit(db, keys);
  assert.equal(all.ok, false);
  const command = await auditVerifyCommand(db, keys);
  assert.equal(command.exitCode, 1);
  assert.match(command.text, /BROKEN at tenant t-\S+ seq 2/);
});

forEachBackend("audit - removed or renumbered rows are named", async (db) => {
  for (let i = 0; i < 4; i++) await appendAudit(db, KEY, event("gap", i));
  await asOwner(db, "DELETE FROM audit_events WHERE tenant_hash = 'gap' AND seq = 2");
  assert.deepEqual(await verifyAudit(db, KEYS), {
    ok: false,
    tenantHash: "gap",
    seq: 3,
    reason: "seq gap: expected seq 2, found seq 3",
    rows: 1,
  });

  for (let i = 0; i < 3; i++) await appendAudit(db, KEY, event("tail", i));
  await asOwner(db, "DELETE FROM audit_events WHERE tenant_hash = 'tail' AND seq = 3");
  const tail = await verifyAudit(db, KEYS, { tenantHash: "tail" });
  assert.equal(tail.ok, false);
  if (!tail.ok) {
    assert.equal(tail.seq, 3);
    assert.match(tail.reason, /chain truncated: the head records seq 3, the last row is seq 2/);
  }

  for (let i = 0; i < 3; i++) await appendAudit(db, KEY, event("renum", i));
  await asOwner(db, "UPDATE audit_events SET seq = 7 WHERE tenant_hash = 'renum' AND seq = 2");
  const renum = await verifyAudit(db, KEYS, { tenantHash: "renum" });
  assert.equal(renum.ok, false);
  if (!renum.ok) assert.equal(renum.seq, 3);
});

forEachBackend("audit - UPDATE and DELETE through the app's connection fail", async (db) => {
  await appendAudit(db, KEY, event("t1", 0));
  await assert.rejects(
    db.query("UPDATE audit_events SET actor = 'mallory' WHERE tenant_hash = 't1'"),
    /append-only/,
  );
  await assert.rejects(
    db.query("DELETE FROM audit_events WHERE tenant_hash = 't1'"),
    /append-only/,
  );
  if (db.kind === "postgres") {
    await assert.rejects(db.exec("TRUNCATE audit_events"), /append-only/);
    const [part] = await db.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'audit_events'::regclass LIMIT 1`,
    );
    await assert.rejects(db.exec(`TRUNCATE "${part.name}"`), /append-only/);
  }
  const rows = await listAuditEvents(db, { tenantHash: "t1", limit: 10 });
  assert.equal(rows.length, 1);
  assert.equal(rows[0].actor, "user0");
  assert.deepEqual(await verifyAudit(db, KEYS), { ok: true, rows: 1, tenants: 1 });
});

forEachBackend("audit - 50 concurrent writers produce one unbroken chain", async (db, ctx) => {
  const conns = [db, ctx.connect(), ctx.connect(), ctx.connect(), ctx.connect()];
  const rows = await Promise.all(
    Array.from(
      { length: 50 },
      (_, i) => appendAudit(conns[i % conns.length], KEY, event("busy", i)),
    ),
  );
  assert.deepEqual(rows.map((r) => r.seq).sort((a, b) => a - b), range(1, 50));
  assert.deepEqual(await verifyAudit(db, KEYS), { ok: true, rows: 50, tenants: 1 });
  // Paging through the chain in small pages sees the same rows.
  assert.deepEqual(await verifyAudit(db, KEYS, { pageSize: 7 }), {
    ok: true,
    rows: 50,
    tenants: 1,
  });
});

forEachBackend("audit - the write rolls back with the surrounding transaction", async (db) => {
  await assert.rejects(
    db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO artifacts (tenant_hash, provenance_hash, variable, blob_key, content_hash,
         size, codec, created_at, last_used_at) VALUES ('t1', 'p', 'v', 'k', 'c', 1, 'json', 1, 1)`,
      );
      await appendAudit(tx, KEY, event("t1", 0));
      throw new Error("change failed after its audit row was written");
    }),
    /change failed/,
  );
  assert.deepEqual(await listAuditEvents(db, { limit: 10 }), []);
  assert.deepEqual(await db.query("SELECT tenant_hash FROM artifacts"), []);
  const row = await db.transaction((tx) => appendAudit(tx, KEY, event("t1", 1)));
  assert.equal(row.seq, 1);
  assert.equal(row.prevHash, AUDIT_GENESIS_HASH);
  assert.deepEqual(await verifyAudit(db, KEYS), { ok: true, rows: 1, tenants: 1 });
});

forEachBackend(
  "audit - key rotation: old rows verify with the retired key configured and fail clearly without it",
  async (db) => {
    const OLD = "old-key-".padEnd(40, "o");
    const NEW = "new-key-".padEnd(40, "n");
    const before = serverAuditKeys({ mode: "service", current: OLD });
    await appendAudit(db, before.key, event("t1", 0));
    await appendAudit(db, before.key, event("t1", 1));
    // Rotation: STRATA_AUDIT_HMAC_KEY=NEW; new rows carry the new key's id.
    const rotated = serverAuditKeys({ mode: "service", current: NEW });
    assert.notEqual(rotated.key.id, before.key.id);
    await appendAudit(db, rotated.key, event("t1", 2));
    const missing = await verifyAudit(db, rotated.keyring);
    assert.equal(missing.ok, false);
    if (!missing.ok) {
      assert.equal(missing.seq, 1);
      assert.equal(
        missing.reason,
        `unknown hmac key id '${before.key.id}': if the audit key was rotated, configure the old ` +
          `key in STRATA_AUDIT_RETIRED_KEYS as ${before.key.id}:<old key>`,
      );
    }
    // STRATA_AUDIT_RETIRED_KEYS=OLD (id derived) or <id>:OLD: the whole chain verifies again.
    for (const retired of [[OLD], [`${before.key.id}:${OLD}`]]) {
      const ring = serverAuditKeys({ mode: "service", current: NEW, retired }).keyring;
      assert.deepEqual(await verifyAudit(db, ring), { ok: true, rows: 3, tenants: 1 });
    }
    // A retired key under the wrong id does not verify the old rows.
    const wrongId = serverAuditKeys({ mode: "service", current: NEW, retired: [`other:${OLD}`] });
    assert.equal((await verifyAudit(db, wrongId.keyring)).ok, false);
    const cli = await auditVerifyCommand(db, rotated.keyring);
    assert.equal(cli.exitCode, 1);
    assert.match(
      cli.text,
      /BROKEN at tenant t1 seq 1: unknown hmac key id .*STRATA_AUDIT_RETIRED_KEYS/,
    );
  },
);

forEachBackend(
  "audit - rows signed with the public development key verify only in personal mode",
  async (db) => {
    const personal = serverAuditKeys({ mode: "personal" });
    assert.equal(personal.key.id, DEVELOPMENT_AUDIT_KEY_ID);
    // An attacker with write access to the table signs a row with the key everyone can read.
    await appendAudit(db, developmentAuditKey(), event("t1", 0, { action: "acl.change" }));
    assert.deepEqual(await verifyAudit(db, personal.keyring), { ok: true, rows: 1, tenants: 1 });
    const service = serverAuditKeys({ mode: "service", current: "s".repeat(40) });
    const result = await auditVerifyCommand(db, service.keyring);
    assert.equal(result.exitCode, 1);
    assert.match(
      result.text,
      /BROKEN at tenant t1 seq 1: signed with the public development key \(id 'dev'\), which verifies only in personal mode/,
    );
    // The operator cannot let it back in: not as a retired key, not under another id.
    const dev = new TextDecoder().decode(developmentAuditKey().secret);
    for (const retired of [[dev], [`legacy:${dev}`], [`dev:${"x".repeat(40)}`]]) {
      assert.throws(
        () => serverAuditKeys({ mode: "service", current: "s".repeat(40), retired }),
        /Service mode never accepts the public development audit key/,
      );
    }
  },
);

forEachBackend("audit - events list with filters and pages", async (db) => {
  for (let i = 0; i < 6; i++) await appendAudit(db, KEY, event(i < 4 ? "a" : "b", i));
  const all = await listAuditEvents(db, { limit: 100 });
  assert.deepEqual(all.map((r) => `${r.tenantHash}${r.seq}`), ["a1", "a2", "a3", "a4", "b1", "b2"]);
  assert.deepEqual(JSON.parse(all[0].detailsJson), { i: 0, keys: ["API_URL"] });
  const page1 = await listAuditEvents(db, { tenantHash: "a", limit: 2 });
  const page2 = await listAuditEvents(db, { tenantHash: "a", limit: 2, afterSeq: page1[1].seq });
  assert.deepEqual([...page1, ...page2].map((r) => r.seq), [1, 2, 3, 4]);
  const executes = await listAuditEvents(db, { action: "cell.execute", limit: 100 });
  assert.deepEqual(executes.map((r) => r.resource), [
    "notebook:nb0",
    "notebook:nb2",
    "notebook:nb4",
  ]);
  const byActor = await listAuditEvents(db, { actor: "user1", tenantHash: "a", limit: 100 });
  assert.deepEqual(byActor.map((r) => r.seq), [2]);
  const window = await listAuditEvents(db, { since: T0 + 2000, until: T0 + 4000, limit: 100 });
  assert.deepEqual(window.map((r) => r.at), [T0 + 2000, T0 + 3000]);
  await assert.rejects(listAuditEvents(db, { afterSeq: 1, limit: 1 }), /afterSeq needs tenantHash/);
});

forEachBackend("audit - invalid events are refused before anything is written", async (db) => {
  await assert.rejects(appendAudit(db, KEY, event("t1", 0, { action: "" })), /action/);
  await assert.rejects(appendAudit(db, KEY, event("t1", 0, { at: 1.5 })), /epoch milliseconds/);
  await assert.rejects(
    appendAudit(db, KEY, event("t1", 0, { details: { n: Number.NaN } })),
    /not a finite number/,
  );
  assert.deepEqual(await listAuditEvents(db, { limit: 10 }), []);
  assert.deepEqual(await verifyAudit(db, KEYS), { ok: true, rows: 0, tenants: 0 });
  assert.deepEqual(await auditVerifyCommand(db, KEYS), {
    text: "audit log intact: 0 rows in 0 chains",
    exitCode: 0,
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

forEachBackend(
  "audit - a batch append stores exactly the rows single appends would",
  async (db) => {
    await appendAudit(db, KEY, event("t1", 0));
    const batch = await appendAuditBatch(db, KEY, range(1, 130).map((i) => event("t1", i)));
    assert.equal(batch.length, 130); // more than one multi-row INSERT
    assert.deepEqual(batch.map((r) => r.seq), range(2, 131));
    await appendAudit(db, KEY, event("t1", 131));
    assert.deepEqual(await verifyAudit(db, KEYS), { ok: true, rows: 132, tenants: 1 });
    // The same events appended one by one on a fresh chain give the same hashes.
    const single = [await appendAudit(db, KEY, event("t2", 0))];
    for (const i of range(1, 130)) single.push(await appendAudit(db, KEY, event("t2", i)));
    const t1 = await db.query<{ seq: number; details_json: string; prev_hash: string }>(
      "SELECT seq, details_json, prev_hash FROM audit_events WHERE tenant_hash = 't1' ORDER BY seq",
    );
    assert.equal(t1.length, 132);
    assert.deepEqual(t1.slice(0, 131).map((r) => r.details_json), single.map((r) => r.detailsJson));
  },
);

forEachBackend(
  "audit - a batch with another tenant's event or an invalid one writes nothing",
  async (db) => {
    await assert.rejects(
      appendAuditBatch(db, KEY, [event("t1", 0), event("t2", 1)]),
      /one tenant/,
    );
    await assert.rejects(
      appendAuditBatch(db, KEY, [event("t1", 0), event("t1", 1, { action: "" })]),
      /action must be a non-empty string/,
    );
    assert.deepEqual(await verifyAudit(db, KEYS), { ok: true, rows: 0, tenants: 0 });
  },
);
