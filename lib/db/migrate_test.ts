import assert from "node:assert/strict";
import { loadMigrations } from "./migrate.ts";

async function withFiles(
  files: Record<string, string>,
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "strata_migrate_test_" });
  try {
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(`${dir}/${name}`, text);
    }
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("migrate - loads files in version order with checksums", async () => {
  await withFiles({
    "0002_b.sql": "-- why: second\nSELECT 2;",
    "0001_a.sql": "\uFEFF-- why: first\nSELECT 1;",
    "README.md": "not a migration",
  }, async (dir) => {
    const ms = await loadMigrations(dir);
    assert.deepEqual(ms.map((m) => [m.version, m.name]), [[1, "0001_a"], [2, "0002_b"]]);
    assert.match(ms[0].checksum, /^[0-9a-f]{64}$/);
    assert.notEqual(ms[0].checksum, ms[1].checksum);
  });
});

Deno.test("migrate - rejects a missing why-comment, bad names and duplicate versions", async () => {
  await withFiles({ "0001_a.sql": "SELECT 1; -- why: too late" }, async (dir) => {
    await assert.rejects(loadMigrations(dir), /'0001_a\.sql' must start with a '-- why:/);
  });
  await withFiles({ "0001_a.sql": "-- why:\nSELECT 1;" }, async (dir) => {
    await assert.rejects(loadMigrations(dir), /must start with a '-- why:/);
  });
  await withFiles({ "1_a.sql": "-- why: x\nSELECT 1;" }, async (dir) => {
    await assert.rejects(loadMigrations(dir), /'1_a\.sql' .* is not named NNNN_lower_snake\.sql/);
  });
  await withFiles({
    "0001_a.sql": "-- why: x\nSELECT 1;",
    "0001_b.sql": "-- why: y\nSELECT 1;",
  }, async (dir) => {
    await assert.rejects(loadMigrations(dir), /'0001_a' and '0001_b' share version 1/);
  });
});

Deno.test("migrate - the repo's migrations exist for both dialects with the same names", async () => {
  const sqlite = await loadMigrations(new URL("../../migrations/sqlite/", import.meta.url));
  const postgres = await loadMigrations(new URL("../../migrations/postgres/", import.meta.url));
  assert.ok(sqlite.length >= 1);
  assert.deepEqual(sqlite.map((m) => m.name), postgres.map((m) => m.name));
});
