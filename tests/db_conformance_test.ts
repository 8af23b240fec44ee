/**
 * The Db contract, checked on SQLite and PostgreSQL with the same cases. PostgreSQL comes from
 * STRATA_TEST_PG_URL (default: the local server); unreachable fails unless STRATA_TEST_SKIP_PG=1.
 */

import assert from "node:assert/strict";
import { forEachBackend } from "../lib/db/testing.ts";
import { loadMigrations, migrate, migrationStatus } from "../lib/db/migrate.ts";
import type { Db } from "../lib/db/types.ts";
import { lookupArtifacts, putArtifact, touchArtifacts } from "../lib/artifacts/artifact_index.ts";
import { listRuns, recordRun } from "../lib/db/runs.ts";

const KV = "CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT, n BIGINT)";

async function count(db: Db, table: string): Promise<number> {
  const rows = await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`);
  return rows[0].n;
}

/** A copy of the repo's migrations for this backend that a test may alter. */
async function copyMigrations(kind: Db["kind"]): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "strata_migrations_" });
  for (const m of await loadMigrations(new URL(`../migrations/${kind}/`, import.meta.url))) {
    await Deno.writeTextFile(`${dir}/${m.name}.sql`, m.sql);
  }
  return dir;
}

forEachBackend("db - migrate applies every migration once, then is a no-op", async (db) => {
  const before = await migrationStatus(db);
  assert.equal(before.current, 0);
  assert.ok(before.latest >= 1);
  assert.ok(before.pending.includes("0001_artifacts_and_runs"));

  const first = await migrate(db);
  assert.deepEqual(first.applied, before.pending);
  assert.equal(first.current, before.latest);
  const head = before.pending.at(-1)!;
  assert.equal(before.currentName, null);
  assert.equal(before.headName, head);
  assert.deepEqual(await migrationStatus(db), {
    current: before.latest,
    latest: before.latest,
    currentName: head,
    headName: head,
    pending: [],
  });
  assert.equal(await count(db, "artifacts"), 0);
  assert.equal(await count(db, "runs"), 0);

  const second = await migrate(db);
  assert.deepEqual(second, { applied: [], current: before.latest });
  assert.equal(await count(db, "schema_migrations"), before.pending.length);
}, { migrate: false });

forEachBackend("db - a changed applied migration is refused, naming the file", async (db, ctx) => {
  const dir = await copyMigrations(ctx.kind);
  try {
    await migrate(db, { dir });
    const file = `${dir}/0001_artifacts_and_runs.sql`;
    await Deno.writeTextFile(file, (await Deno.readTextFile(file)) + "\n-- edited\n");
    await assert.rejects(migrate(db, { dir }), /0001_artifacts_and_runs\.sql.*changed/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}, { migrate: false });

forEachBackend("db - a failing migration rolls back and is not recorded", async (db, ctx) => {
  const dir = await copyMigrations(ctx.kind);
  try {
    await Deno.writeTextFile(
      `${dir}/9998_half_done.sql`,
      "-- why: test\nCREATE TABLE half_done (x INTEGER);\nINSERT INTO no_such_table VALUES (1);\n",
    );
    await assert.rejects(migrate(db, { dir }), /Migration '9998_half_done' failed/);
    const status = await migrationStatus(db, { dir });
    assert.deepEqual(status.pending, ["9998_half_done"]);
    await assert.rejects(db.query("SELECT * FROM half_done"));
    await Deno.writeTextFile(`${dir}/9999_no_why.sql`, "CREATE TABLE x (y INTEGER);\n");
    await assert.rejects(migrate(db, { dir }), /9999_no_why\.sql.*-- why:/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}, { migrate: false });

forEachBackend("db - two migrators racing apply each migration once", async (db, ctx) => {
  const other = ctx.connect();
  const [a, b] = await Promise.all([migrate(db), migrate(other)]);
  const all = [...a.applied, ...b.applied].sort();
  const names = (await loadMigrations(new URL(`../migrations/${ctx.kind}/`, import.meta.url)))
    .map((m) => m.name);
  assert.deepEqual(all, names);
  assert.equal(a.current, b.current);
  assert.equal(await count(db, "schema_migrations"), names.length);
}, { migrate: false });

forEachBackend("db - $N placeholders, repeated and inside string literals", async (db) => {
  await db.exec(KV);
  await db.query("INSERT INTO kv (k, v, n) VALUES ($1, '$1 and $2 stay text', $2)", ["a", 7]);
  await db.query("INSERT INTO kv (k, v, n) VALUES ($2, $1, $3)", ["it's", "b", 8]);
  const rows = await db.query(
    "SELECT k, v, n FROM kv WHERE k = $1 OR v = $1 OR n = $2 ORDER BY k",
    ["b", 7],
  );
  assert.deepEqual(rows, [
    { k: "a", v: "$1 and $2 stay text", n: 7 },
    { k: "b", v: "it's", n: 8 },
  ]);
  assert.deepEqual(await db.query("SELECT k FROM kv WHERE v = 'it''s'"), [{ k: "b" }]);
  await assert.rejects(db.query("SELECT k FROM kv WHERE k = $1 AND v = $2", ["a"]));
});

forEachBackend("db - values round-trip: bytes, big integers, booleans, null", async (db, ctx) => {
  const blob = ctx.kind === "postgres" ? "BYTEA" : "BLOB";
  await db.exec(`CREATE TABLE vals (id INTEGER PRIMARY KEY, b ${blob}, big BIGINT, flag BOOLEAN)`);
  const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
  const huge = 2n ** 62n + 1n;
  await db.query("INSERT INTO vals VALUES ($1, $2, $3, $4)", [1, bytes, huge, true]);
  await db.query("INSERT INTO vals VALUES ($1, $2, $3, $4)", [2, new Uint8Array(), 42, false]);
  await db.query("INSERT INTO vals VALUES ($1, $2, $3, $4)", [3, null, null, null]);
  const rows = await db.query("SELECT id, b, big, flag FROM vals ORDER BY id");
  assert.ok(rows[0].b instanceof Uint8Array);
  assert.deepEqual(new Uint8Array(rows[0].b as Uint8Array), bytes);
  assert.equal(rows[0].big, huge);
  assert.equal(Boolean(rows[0].flag), true);
  assert.deepEqual(new Uint8Array(rows[1].b as Uint8Array), new Uint8Array());
  assert.equal(rows[1].big, 42);
  assert.equal(Boolean(rows[1].flag), false);
  assert.deepEqual(rows[2], { id: 3, b: null, big: null, flag: null });
  assert.equal(Object.getPrototypeOf(rows[0]), Object.prototype);
});

forEachBackend("db - a throwing transaction rolls back and rethrows", async (db) => {
  await db.exec(KV);
  const boom = new Error("boom");
  await assert.rejects(
    db.transaction(async (tx) => {
      await tx.query("INSERT INTO kv (k) VALUES ($1)", ["x"]);
      assert.equal(await count(tx, "kv"), 1);
      throw boom;
    }),
    (e) => e === boom,
  );
  assert.equal(await count(db, "kv"), 0);
  const value = await db.transaction(async (tx) => {
    await tx.query("INSERT INTO kv (k) VALUES ($1)", ["y"]);
    return "done";
  });
  assert.equal(value, "done");
  assert.equal(await count(db, "kv"), 1);
});

forEachBackend("db - nested transactions and root calls join the outer one", async (db) => {
  await db.exec(KV);
  await assert.rejects(db.transaction(async (tx) => {
    await tx.query("INSERT INTO kv (k) VALUES ($1)", ["outer"]);
    await tx.transaction((inner) => inner.query("INSERT INTO kv (k) VALUES ($1)", ["inner"]));
    // The root Db used inside the callback joins too (on SQLite it would otherwise deadlock).
    await db.transaction((inner) => inner.query("INSERT INTO kv (k) VALUES ($1)", ["root-tx"]));
    await db.query("INSERT INTO kv (k) VALUES ($1)", ["root"]);
    assert.equal(await count(tx, "kv"), 4);
    throw new Error("undo all four");
  }));
  assert.equal(await count(db, "kv"), 0);

  let handle: Db | undefined;
  await db.transaction(async (tx) => {
    handle = tx;
    await tx.transaction((inner) => inner.query("INSERT INTO kv (k) VALUES ($1)", ["kept"]));
  });
  assert.equal(await count(db, "kv"), 1);
  await assert.rejects(handle!.query("SELECT 1"), /already finished/);
});

forEachBackend("db - 20 concurrent read-modify-write transactions lose no update", async (db) => {
  await db.exec(KV);
  await db.query("INSERT INTO kv (k, n) VALUES ($1, $2)", ["counter", 0]);
  // PostgreSQL needs a row lock for read-then-write; SQLite transactions are already serial.
  const lock = db.kind === "postgres" ? " FOR UPDATE" : "";
  await Promise.all(Array.from({ length: 20 }, () =>
    db.transaction(async (tx) => {
      const [{ n }] = await tx.query<{ n: number }>(`SELECT n FROM kv WHERE k = $1${lock}`, [
        "counter",
      ]);
      await new Promise((resolve) => setTimeout(resolve, 0));
      await tx.query("UPDATE kv SET n = $1 WHERE k = $2", [n + 1, "counter"]);
    })));
  assert.deepEqual(await db.query("SELECT n FROM kv WHERE k = $1", ["counter"]), [{ n: 20 }]);
});

forEachBackend("db - artifact index and run records round-trip", async (db) => {
  const base = { tenantHash: "t1", provenanceHash: "p1", blobKey: "t1/ab/abc", size: 3 };
  await putArtifact(db, { ...base, variable: "x", contentHash: "abc", codec: "v8", createdAt: 1 });
  await putArtifact(db, {
    ...base,
    variable: "x",
    contentHash: "abd",
    codec: "json",
    createdAt: 2,
  });
  assert.equal(await touchArtifacts(db, "t1", "p1", 5), 1);
  const found = await lookupArtifacts(db, "t1", "p1");
  assert.ok(found.hit);
  assert.deepEqual(found.artifacts.map((a) => [a.contentHash, a.codec, a.lastUsedAt]), [
    ["abd", "json", 5],
  ]);
  assert.deepEqual(await lookupArtifacts(db, "t2", "p1"), { hit: false });

  const run = await recordRun(db, {
    tenantHash: "t1",
    notebookId: "nb",
    cellId: "c1",
    provenanceHash: "p1",
    cacheHit: true,
    status: "ok",
    startedAt: 10,
    finishedAt: 13,
  });
  assert.deepEqual(await listRuns(db, { tenantHash: "t1", limit: 10 }), [run]);
});

forEachBackend("db - a closed Db refuses further calls", async (_db, ctx) => {
  const db = ctx.connect();
  assert.deepEqual(await db.query("SELECT 1 AS one"), [{ one: 1 }]);
  await db.close();
  await assert.rejects(db.query("SELECT 1"), /closed/);
  await db.close();
}, { migrate: false });
