import assert from "node:assert/strict";
import { openSqlite } from "./sqlite.ts";

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "strata_sqlite_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

Deno.test("sqlite - opens a file in WAL mode with foreign keys on", async () => {
  await withTempDir(async (dir) => {
    const db = openSqlite(`${dir}/a.db`);
    try {
      assert.deepEqual(await db.query("PRAGMA journal_mode"), [{ journal_mode: "wal" }]);
      assert.deepEqual(await db.query("PRAGMA foreign_keys"), [{ foreign_keys: 1 }]);
      await db.exec(
        "CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (p INTEGER REFERENCES p)",
      );
      await assert.rejects(db.query("INSERT INTO c VALUES ($1)", [1]), /FOREIGN KEY/);
    } finally {
      await db.close();
    }
  });
});

Deno.test("sqlite - integers bind as INTEGER, not REAL", async () => {
  const db = openSqlite(":memory:");
  try {
    await db.exec("CREATE TABLE t (v TEXT)");
    await db.query("INSERT INTO t VALUES ($1), ($2), ($3)", [5, 1.5, true]);
    assert.deepEqual(await db.query("SELECT v FROM t"), [{ v: "5" }, { v: "1.5" }, { v: "1" }]);
  } finally {
    await db.close();
  }
});

Deno.test("sqlite - a second connection waits for the write lock without blocking", async () => {
  await withTempDir(async (dir) => {
    const a = openSqlite(`${dir}/a.db`);
    const b = openSqlite(`${dir}/a.db`, { busyTimeoutMs: 2000 });
    try {
      await a.exec("CREATE TABLE t (x INTEGER)");
      let release!: () => void;
      const held = new Promise<void>((resolve) => release = resolve);
      const tx = a.transaction(async (t) => {
        await t.query("INSERT INTO t VALUES ($1)", [1]);
        await held;
      });
      await sleep(5);
      const write = b.query("INSERT INTO t VALUES ($1)", [2]);
      const txWrite = b.transaction((u) => u.query("INSERT INTO t VALUES ($1)", [3]));
      // The event loop still runs while b waits: a's transaction can finish.
      await sleep(30);
      release();
      await tx;
      await write;
      await txWrite;
      assert.deepEqual(await b.query("SELECT x FROM t ORDER BY x"), [{ x: 1 }, { x: 2 }, { x: 3 }]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

Deno.test("sqlite - a write lock held past busyTimeoutMs fails with 'database is locked'", async () => {
  await withTempDir(async (dir) => {
    const a = openSqlite(`${dir}/a.db`);
    const b = openSqlite(`${dir}/a.db`, { busyTimeoutMs: 20 });
    try {
      await a.exec("CREATE TABLE t (x INTEGER)");
      await a.transaction(async (t) => {
        await t.query("INSERT INTO t VALUES ($1)", [1]);
        const started = performance.now();
        await assert.rejects(b.transaction((u) => u.query("SELECT 1")), /database is locked/);
        assert.ok(performance.now() - started >= 15, "waited about busyTimeoutMs before failing");
      });
    } finally {
      await a.close();
      await b.close();
    }
  });
});

Deno.test("sqlite - plain calls wait for another context's transaction", async () => {
  const db = openSqlite(":memory:");
  try {
    await db.exec("CREATE TABLE t (x INTEGER)");
    const tx = db.transaction(async (t) => {
      await t.query("INSERT INTO t VALUES ($1)", [1]);
      await sleep(10);
      throw new Error("roll back");
    });
    await sleep(1);
    // Runs after the rollback, so it is neither undone nor visible inside the transaction.
    const outside = db.query("INSERT INTO t VALUES ($1)", [2]);
    await assert.rejects(tx, /roll back/);
    await outside;
    assert.deepEqual(await db.query("SELECT x FROM t"), [{ x: 2 }]);
  } finally {
    await db.close();
  }
});
