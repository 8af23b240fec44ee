import assert from "node:assert/strict";
import { openDb, resolveDbTarget } from "./open.ts";

Deno.test("open - resolves the backend from the URL", () => {
  const base = { sqlitePath: "/data/strata.db" };
  assert.deepEqual(resolveDbTarget(base), { kind: "sqlite", location: "/data/strata.db" });
  assert.deepEqual(resolveDbTarget({ ...base, databaseUrl: " " }), {
    kind: "sqlite",
    location: "/data/strata.db",
  });
  assert.deepEqual(resolveDbTarget({ ...base, databaseUrl: "postgres://u:secret@h:5432/db" }), {
    kind: "postgres",
    location: "postgres://u:***@h:5432/db",
  });
  assert.equal(resolveDbTarget({ ...base, databaseUrl: "postgresql://h/db" }).kind, "postgres");
  assert.deepEqual(resolveDbTarget({ ...base, databaseUrl: "sqlite:///var/x.db" }), {
    kind: "sqlite",
    location: "/var/x.db",
  });
  assert.equal(resolveDbTarget({ ...base, databaseUrl: "sqlite:rel/x.db" }).location, "rel/x.db");
  assert.equal(resolveDbTarget({ ...base, databaseUrl: "sqlite::memory:" }).location, ":memory:");
  assert.equal(
    resolveDbTarget({ ...base, databaseUrl: "file:///a%20b/x.db" }).location,
    "/a b/x.db",
  );
  assert.equal(resolveDbTarget({ ...base, databaseUrl: "./x.db" }).location, "./x.db");
  assert.throws(
    () => resolveDbTarget({ ...base, databaseUrl: "mysql://u:pw@h/db" }),
    /scheme of 'mysql:\/\/u:\*\*\*@h\/db' is not supported/,
  );
});

Deno.test("open - creates the SQLite file's parent folder", async () => {
  const dir = await Deno.makeTempDir({ prefix: "strata_open_test_" });
  try {
    const db = openDb({ sqlitePath: `${dir}/nested/deeper/strata.db` });
    assert.equal(db.kind, "sqlite");
    assert.deepEqual(await db.query("SELECT 1 AS one"), [{ one: 1 }]);
    await db.close();
    assert.ok((await Deno.stat(`${dir}/nested/deeper/strata.db`)).isFile);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("open - a postgres URL opens PostgreSQL lazily", async () => {
  const db = openDb({ databaseUrl: "postgres://nobody@127.0.0.1:1/none", sqlitePath: "unused" });
  assert.equal(db.kind, "postgres");
  await db.close();
});
