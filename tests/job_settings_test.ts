// Operations settings reach the jobs: retention (enabled, interval, batch size, days) and the
// artifact cache size limit. Clocks are passed in; nothing sleeps.
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadConfig } from "../lib/config/load.ts";
import { migrate } from "../lib/db/migrate.ts";
import { openSqlite } from "../lib/db/sqlite.ts";
import type { Db } from "../lib/db/types.ts";
import { recordRun } from "../lib/db/runs.ts";
import { putArtifact } from "../lib/artifacts/artifact_index.ts";
import { memoryBlobStore } from "../lib/artifacts/memory_blob_store.ts";
import { nullLogger } from "../lib/log.ts";
import { DAY_MS, HOUR_MS } from "../lib/jobs/job.ts";
import { jobDefinitions, jobReadinessChecks, runDefinition } from "../lib/jobs/schedule.ts";
import { serverJobsDeps } from "../lib/jobs/server_jobs.ts";
import { type CronRegister, registerCron } from "../cron.ts";
import { createNotebook } from "../lib/notebook/format.ts";
import { writeRuntimeState } from "../lib/notebook/runtime_state.ts";

const NOW = new Date(Date.UTC(2026, 2, 20, 12));

async function withDb(fn: (db: Db, dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "strata-jobset-" });
  const db = openSqlite(`${dir}/strata.db`);
  try {
    await migrate(db);
    await fn(db, dir);
  } finally {
    await db.close();
    await Deno.remove(dir, { recursive: true });
  }
}

function deps(db: Db, dir: string, env: Record<string, string>, open: string[] = []) {
  const { config } = loadConfig({
    HOME: dir,
    STRATA_DATA_DIR: `${dir}/data`,
    STRATA_NOTEBOOK_STORAGE_DIR: `${dir}/notebooks`,
    ...env,
  });
  const blobs = memoryBlobStore();
  return {
    blobs,
    deps: serverJobsDeps({
      config,
      db,
      blobStore: blobs,
      log: nullLogger(),
      isOpenProvenance: (hash) => open.includes(hash),
    }),
  };
}

Deno.test("job settings - config keys parse from env; an interval cron cannot express is refused", () => {
  const { config } = loadConfig({
    HOME: "/h",
    STRATA_AUTO_MIGRATE: "false",
    STRATA_RETENTION_ENABLED: "0",
    STRATA_RETENTION_INTERVAL_SECONDS: "900",
    STRATA_RETENTION_BATCH_SIZE: "250",
    STRATA_RETENTION_DAYS: "7",
    STRATA_ARTIFACT_CACHE_MAX_BYTES: "1073741824",
    STRATA_DATABASE_POOL_SIZE: "20",
  });
  assert.equal(config.autoMigrate, false);
  assert.deepEqual(config.retention, { enabled: false, intervalSeconds: 900, batchSize: 250 });
  assert.equal(config.retentionDays, 7);
  assert.equal(config.artifactCacheMaxBytes, 1073741824);
  assert.equal(config.databasePoolSize, 20);

  const defaults = loadConfig({ HOME: "/h" }).config;
  assert.equal(defaults.autoMigrate, true);
  assert.deepEqual(defaults.retention, { enabled: true, intervalSeconds: 3600, batchSize: 5000 });
  assert.equal(defaults.artifactCacheMaxBytes, 0);
  assert.equal(defaults.databasePoolSize, 5);

  assert.throws(
    () => loadConfig({ HOME: "/h", STRATA_RETENTION_INTERVAL_SECONDS: "5400" }),
    /retention_interval_seconds = 5400 \(from env STRATA_RETENTION_INTERVAL_SECONDS\): must be a multiple of 60/,
  );
  assert.throws(
    () => loadConfig({ HOME: "/h", STRATA_RETENTION_BATCH_SIZE: "0" }),
    /retention_batch_size/,
  );
});

Deno.test("job settings - retention interval sets the cron schedule and period; disabled drops the job and its check", async () => {
  await withDb(async (db, dir) => {
    const fired: [string, string][] = [];
    const cron: CronRegister = (name, schedule) => {
      fired.push([name, schedule]);
      return Promise.resolve();
    };
    const every15 = deps(db, dir, { STRATA_RETENTION_INTERVAL_SECONDS: "900" }).deps;
    const defs = registerCron(every15, cron);
    assert.deepEqual(fired[0], ["strata-retention", "2,17,32,47 * * * *"]);
    assert.equal(defs.find((d) => d.name === "retention")?.periodMs, 900_000);

    const off = deps(db, dir, { STRATA_RETENTION_ENABLED: "false" }).deps;
    const offDefs = jobDefinitions(off);
    assert.deepEqual(offDefs.map((d) => d.name), ["artifact_gc", "partitions"]);
    const checks = jobReadinessChecks(db, offDefs, { startedAt: NOW, now: () => NOW });
    assert.deepEqual(Object.keys(checks), ["artifact_gc_task", "partitions_task"]);
    assert.equal((await checks.artifact_gc_task()).ok, true, "not due yet after start");
  });
});

Deno.test("job settings - retention batch size and days bound one sweep", async () => {
  await withDb(async (db, dir) => {
    for (let i = 0; i < 25; i++) {
      const startedAt = NOW.getTime() - 10 * DAY_MS - i * 1000;
      await recordRun(db, {
        id: `old${String(i).padStart(2, "0")}`,
        tenantHash: "t1",
        notebookId: "nb",
        cellId: "c",
        provenanceHash: "p",
        cacheHit: false,
        status: "ok",
        startedAt,
        finishedAt: startedAt + 5,
      });
    }
    const keep = deps(db, dir, { STRATA_RETENTION_DAYS: "30", STRATA_RETENTION_BATCH_SIZE: "2" });
    const retention = (d: typeof keep.deps) =>
      jobDefinitions(d).find((j) => j.name === "retention")!;
    const kept = await runDefinition(keep.deps, retention(keep.deps), { now: NOW });
    assert.equal(kept.outcome, "ok");
    assert.equal(
      kept.outcome === "ok" && kept.report.deletedRuns,
      0,
      "10-day-old runs kept at 30 days",
    );

    const sweep = deps(db, dir, { STRATA_RETENTION_DAYS: "7", STRATA_RETENTION_BATCH_SIZE: "2" });
    const first = await runDefinition(sweep.deps, retention(sweep.deps), { now: NOW, slot: 1 });
    assert.ok(first.outcome === "ok");
    // 10 batches of 2 per sweep: 20 of 25, and the report says more remain.
    assert.equal(first.report.deletedRuns, 20);
    assert.equal(first.report.more, true);
    const second = await runDefinition(sweep.deps, retention(sweep.deps), { now: NOW, slot: 2 });
    assert.ok(second.outcome === "ok");
    assert.equal(second.report.deletedRuns, 5);
    assert.equal(second.report.more, false);
  });
});

Deno.test("job settings - past artifact_cache_max_bytes the LRU artifacts go, never ones an open session or a notebook's runtime state uses", async () => {
  await withDb(async (db, dir) => {
    const { deps: d, blobs } = deps(db, dir, { STRATA_ARTIFACT_CACHE_MAX_BYTES: "350" }, [
      "p-open",
    ]);
    // A notebook on disk whose last run of cell c1 produced p-disk.
    const nb = join(dir, "notebooks", "kept");
    await createNotebook(nb, { name: "kept", now: NOW });
    await writeRuntimeState(nb, {
      version: 1,
      cells: { c1: { provenance: "p-disk", status: "ready" } },
    });
    // Oldest first: the two referenced ones are the least recently used.
    const names = ["p-open", "p-disk", "p-old1", "p-old2", "p-new", "p-newest"];
    for (const [i, name] of names.entries()) {
      const key = `t1/aa/${name}`;
      await blobs.put(key, new Uint8Array(100));
      const at = NOW.getTime() - (names.length - i) * HOUR_MS;
      await putArtifact(db, {
        tenantHash: "t1",
        provenanceHash: name,
        variable: "v",
        blobKey: key,
        contentHash: name,
        size: 100,
        codec: "json",
        createdAt: at,
        lastUsedAt: at,
      });
    }
    const gc = jobDefinitions(d).find((j) => j.name === "artifact_gc")!;
    const result = await runDefinition(d, gc, { now: NOW });
    assert.ok(result.outcome === "ok", JSON.stringify(result));
    assert.equal(result.report.bytesBefore, 600);
    assert.equal(result.report.bytesAfter, 300);
    assert.equal(result.report.keptReferenced, 2);
    const left = (await db.query<{ p: string }>(
      "SELECT provenance_hash AS p FROM artifacts ORDER BY last_used_at",
    )).map((r) => r.p);
    assert.deepEqual(left, ["p-open", "p-disk", "p-newest"]);
    const stored: string[] = [];
    for await (const b of blobs.list("t1/")) stored.push(b.key);
    assert.deepEqual(stored.sort(), ["t1/aa/p-disk", "t1/aa/p-newest", "t1/aa/p-open"]);

    // No limit (the default): nothing recent is collected.
    const none = deps(db, dir, {}).deps;
    const again = await runDefinition(none, jobDefinitions(none)[1], {
      now: NOW,
      slot: 1,
    });
    assert.ok(again.outcome === "ok");
    assert.equal(again.report.evictedRows, 0);
  });
});
