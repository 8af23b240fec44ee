/**
 * Scheduled jobs with an injected clock, on SQLite and PostgreSQL: retention, partitions,
 * artifact GC, the once-per-slot claim across replicas, readiness, cron wiring and commands.
 */

import assert from "node:assert/strict";
import { forEachBackend } from "../lib/db/testing.ts";
import type { Db } from "../lib/db/types.ts";
import { recordRun } from "../lib/db/runs.ts";
import { putArtifact } from "../lib/artifacts/artifact_index.ts";
import { memoryBlobStore } from "../lib/artifacts/memory_blob_store.ts";
import { nullLogger } from "../lib/log.ts";
import { appendAudit } from "../lib/audit/append.ts";
import { auditKey, auditKeyring } from "../lib/audit/audit_key.ts";
import { verifyAudit } from "../lib/audit/verify.ts";
import { DAY_MS, HOUR_MS } from "../lib/jobs/job.ts";
import { retentionJob } from "../lib/jobs/retention.ts";
import { listPartitions, partitionJob, partitionsReadinessCheck } from "../lib/jobs/partitions.ts";
import { jobStatus, runJob } from "../lib/jobs/job_runner.ts";
import { jobReadinessCheck } from "../lib/jobs/job_readiness.ts";
import { artifactGcJob } from "../lib/jobs/artifact_gc.ts";
import { jobReadinessChecks, type JobsDeps } from "../lib/jobs/schedule.ts";
import { gcCommand, jobsRunCommand } from "../lib/jobs/commands.ts";
import { type CronRegister, registerCron } from "../cron.ts";

// Fixed clocks: a past day (below the history partition's bound on PostgreSQL, so any row
// fits) and a far-future one for partition maintenance.
const NOW = new Date(Date.UTC(2026, 2, 20, 12));
const FUTURE = new Date(Date.UTC(2099, 0, 10, 12));

async function run(db: Db, id: string, startedAt: number): Promise<void> {
  await recordRun(db, {
    id,
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

async function runIds(db: Db): Promise<string[]> {
  return (await db.query<{ id: string }>("SELECT id FROM runs ORDER BY id")).map((r) => r.id);
}

forEachBackend(
  "retention - a 40-day-old run is deleted with 30 days, a fresh one kept",
  async (db) => {
    await run(db, "old", NOW.getTime() - 40 * DAY_MS);
    await run(db, "fresh", NOW.getTime() - 2 * HOUR_MS);
    let consoleCutoff: Date | undefined;
    const report = await retentionJob({
      db,
      retentionDays: 30,
      deleteConsoleLogs(olderThan) {
        consoleCutoff = olderThan;
        return Promise.resolve(3);
      },
    }, NOW);
    assert.deepEqual(await runIds(db), ["fresh"]);
    assert.equal(report.deletedRuns, 1);
    assert.equal(report.more, false);
    assert.equal(report.deletedConsoleLogs, 3);
    assert.equal(consoleCutoff?.getTime(), NOW.getTime() - 30 * DAY_MS);
  },
);

forEachBackend("retention - deletes stop at the batch size, oldest first", async (db) => {
  for (let i = 0; i < 5; i++) await run(db, `old${i}`, NOW.getTime() - (40 + i) * DAY_MS);
  const first = await retentionJob({ db, retentionDays: 30, batchSize: 2, maxBatches: 1 }, NOW);
  assert.equal(first.deletedRuns, 2);
  assert.equal(first.more, true);
  assert.deepEqual(await runIds(db), ["old0", "old1", "old2"]);
  const rest = await retentionJob({ db, retentionDays: 30, batchSize: 2, maxBatches: 5 }, NOW);
  assert.equal(rest.deletedRuns, 3);
  assert.equal(rest.more, false);
  assert.deepEqual(await runIds(db), []);
});

forEachBackend("retention - 0 days keeps all run history", async (db) => {
  await run(db, "ancient", NOW.getTime() - 4000 * DAY_MS);
  const report = await retentionJob({ db, retentionDays: 0 }, NOW);
  assert.equal(report.deletedRuns, 0);
  assert.deepEqual(await runIds(db), ["ancient"]);
});

forEachBackend("partitions - the current and next three months exist after a run", async (db) => {
  const report = await partitionJob({ db, runRetentionDays: 0 }, FUTURE);
  if (db.kind === "sqlite") {
    assert.deepEqual(report.created, []);
    assert.match(report.summary, /not partitioned/);
    return;
  }
  const months = ["209901", "209902", "209903", "209904"];
  for (const table of ["runs", "audit_events"]) {
    const names = (await listPartitions(db, table)).map((p) => p.name);
    for (const m of months) assert.ok(names.includes(`${table}_p${m}`), `${table}_p${m}`);
  }
  assert.equal(report.created.length, 8);
  const again = await partitionJob({ db, runRetentionDays: 0 }, FUTURE);
  assert.deepEqual(again.created, [], "idempotent");
  // Rows for those months can be written.
  await run(db, "future", Date.UTC(2099, 3, 30));
  await appendAudit(db, auditKey("k".repeat(32)), {
    tenantHash: "t1",
    actor: null,
    action: "test",
    resource: "x",
    at: Date.UTC(2099, 3, 30),
  });
});

forEachBackend("partitions - old run partitions are dropped, audit ones never", async (db) => {
  if (db.kind === "sqlite") return;
  const key = auditKey("k".repeat(32));
  await run(db, "old", NOW.getTime());
  await appendAudit(db, key, { tenantHash: "t", actor: null, action: "a", resource: "r", at: 5 });
  await appendAudit(db, key, {
    tenantHash: "t",
    actor: null,
    action: "a",
    resource: "r",
    at: NOW.getTime(),
  });
  const auditBefore = (await listPartitions(db, "audit_events")).map((p) => p.name);
  const runsBefore = (await listPartitions(db, "runs")).map((p) => p.name);
  assert.ok(runsBefore.includes("runs_p_history"));

  const report = await partitionJob({ db, runRetentionDays: 30 }, FUTURE);
  const runsAfter = (await listPartitions(db, "runs")).map((p) => p.name);
  assert.deepEqual(runsAfter, ["runs_p209901", "runs_p209902", "runs_p209903", "runs_p209904"]);
  assert.deepEqual(report.dropped.sort(), runsBefore.sort());
  assert.deepEqual(await runIds(db), []);
  const auditAfter = (await listPartitions(db, "audit_events")).map((p) => p.name);
  for (const name of auditBefore) assert.ok(auditAfter.includes(name), `${name} kept`);
  assert.deepEqual(await verifyAudit(db, auditKeyring([key])), { ok: true, rows: 2, tenants: 1 });
});

forEachBackend("partitions - readiness fails without the current month's partition", async (db) => {
  const ok = await partitionsReadinessCheck(db, { now: () => FUTURE })();
  if (db.kind === "sqlite") {
    assert.equal(ok.ok, true);
    return;
  }
  assert.deepEqual(ok, { ok: false, reason: "no partition for 209901 in runs, audit_events" });
  await partitionJob({ db, runRetentionDays: 0 }, FUTURE);
  assert.equal((await partitionsReadinessCheck(db, { now: () => FUTURE })()).ok, true);
  assert.equal((await partitionsReadinessCheck(db)()).ok, true, "migration made this month");
});

forEachBackend("jobs - two replicas racing for one run execute it once", async (db, ctx) => {
  const other = ctx.connect();
  let executions = 0;
  async function job() {
    executions++;
    await new Promise((resolve) => setTimeout(resolve, 20));
    return { summary: "did it" };
  }
  const results = await Promise.all([
    runJob({ db, name: "retention", job, now: NOW, owner: "replica-a", slotMs: HOUR_MS }),
    runJob({
      db: other,
      name: "retention",
      job,
      now: new Date(NOW.getTime() + 900),
      owner: "replica-b",
      slotMs: HOUR_MS,
    }),
  ]);
  assert.equal(executions, 1);
  assert.deepEqual(results.map((r) => r.outcome).sort(), ["ok", "skipped"]);
  const winner = results.find((r) => r.outcome === "ok")!;
  const loser = results.find((r) => r.outcome === "skipped")!;
  assert.equal(winner.slot, loser.slot);
  assert.match(loser.outcome === "skipped" ? loser.detail : "", /^claimed by replica-[ab]$/);
  const status = await jobStatus(db, "retention");
  assert.equal(status.lastFinished?.outcome, "ok");
  assert.deepEqual(status.lastFinished?.report, { summary: "did it" });
});

forEachBackend(
  "jobs - readiness fails after a failed run naming the job, recovers after a good one",
  async (db) => {
    const startedAt = new Date(NOW.getTime() - 10 * 60_000);
    let clock = NOW;
    const check = jobReadinessCheck(db, {
      name: "retention",
      periodMs: HOUR_MS,
      startedAt,
      now: () => clock,
    });
    assert.equal((await check()).ok, true, "not run yet, within grace");

    const failed = await runJob({
      db,
      name: "retention",
      owner: "r1",
      now: NOW,
      slotMs: HOUR_MS,
      job: () => Promise.reject(new Error("disk full")),
    });
    assert.equal(failed.outcome, "error");
    const bad = await check();
    assert.equal(bad.ok, false);
    assert.match(bad.reason!, /last run failed: disk full/);

    clock = new Date(NOW.getTime() + HOUR_MS);
    await runJob({
      db,
      name: "retention",
      owner: "r1",
      now: clock,
      slotMs: HOUR_MS,
      job: () => Promise.resolve({ summary: "ok" }),
    });
    assert.equal((await check()).ok, true);

    clock = new Date(clock.getTime() + 3 * HOUR_MS);
    const stale = await check();
    assert.equal(stale.ok, false);
    assert.match(stale.reason!, /no run since/);
  },
);

forEachBackend(
  "jobs - never running fails readiness only after two periods from start",
  async (db) => {
    const startedAt = NOW;
    const at = (ms: number) =>
      jobReadinessCheck(db, {
        name: "partitions",
        periodMs: DAY_MS,
        startedAt,
        now: () => new Date(NOW.getTime() + ms),
      });
    assert.equal((await at(DAY_MS)()).ok, true);
    const late = await at(3 * DAY_MS)();
    assert.equal(late.ok, false);
    assert.match(late.reason!, /no run since the server started/);
  },
);

async function artifact(db: Db, name: string, blob: string, size: number, lastUsedAt: number) {
  await putArtifact(db, {
    tenantHash: "t1",
    provenanceHash: name,
    variable: "v",
    blobKey: blob,
    contentHash: blob,
    size,
    codec: "json",
    createdAt: lastUsedAt,
    lastUsedAt,
  });
}

async function artifactNames(db: Db): Promise<string[]> {
  return (await db.query<{ p: string }>("SELECT provenance_hash AS p FROM artifacts ORDER BY p"))
    .map((r) => r.p);
}

forEachBackend(
  "artifact gc - deletes unreferenced old artifacts, keeps shared and referenced blobs",
  async (db) => {
    const blobs = memoryBlobStore();
    for (const key of ["t1/aa/lonely", "t1/aa/shared", "t1/aa/pinned"]) {
      await blobs.put(key, new Uint8Array(10));
    }
    const old = NOW.getTime() - 30 * DAY_MS;
    await artifact(db, "lonely", "t1/aa/lonely", 10, old);
    await artifact(db, "shared-old", "t1/aa/shared", 10, old);
    await artifact(db, "shared-new", "t1/aa/shared", 10, NOW.getTime());
    await artifact(db, "pinned", "t1/aa/pinned", 10, old);
    const deps = {
      db,
      blobStore: blobs,
      graceMs: 7 * DAY_MS,
      maxArtifactBytes: 0,
      isReferenced: (a: { provenanceHash: string }) => a.provenanceHash === "pinned",
    };

    const dry = await artifactGcJob({ ...deps, dryRun: true }, NOW);
    assert.equal(dry.expiredRows, 2);
    assert.equal(dry.deletedBlobs, 1);
    assert.deepEqual(dry.blobKeys, ["t1/aa/lonely"]);
    assert.equal(dry.keptReferenced, 1);
    assert.match(dry.summary, /would delete 2 artifact\(s\) and 1 blob\(s\)/);
    assert.deepEqual(await artifactNames(db), ["lonely", "pinned", "shared-new", "shared-old"]);
    assert.equal(await blobs.has("t1/aa/lonely"), true, "dry run deletes nothing");

    const report = await artifactGcJob(deps, NOW);
    assert.equal(report.deletedBlobs, 1);
    assert.equal(report.freedBytes, 10);
    assert.deepEqual(await artifactNames(db), ["pinned", "shared-new"]);
    assert.equal(await blobs.has("t1/aa/lonely"), false);
    assert.equal(await blobs.has("t1/aa/shared"), true, "still referenced by shared-new");
    assert.equal(await blobs.has("t1/aa/pinned"), true);
  },
);

forEachBackend("artifact gc - evicts least recently used blobs above the byte cap", async (db) => {
  const blobs = memoryBlobStore();
  const t = NOW.getTime();
  for (let i = 0; i < 5; i++) {
    await blobs.put(`t1/bb/b${i}`, new Uint8Array(100));
    await artifact(db, `a${i}`, `t1/bb/b${i}`, 100, t - (5 - i) * HOUR_MS);
  }
  // a second row on b0, used recently, makes b0 the most recently used blob.
  await artifact(db, "a0-again", "t1/bb/b0", 100, t);
  const deps = { db, blobStore: blobs, graceMs: 30 * DAY_MS, maxArtifactBytes: 250 };
  const dry = await artifactGcJob({ ...deps, dryRun: true }, NOW);
  assert.deepEqual(dry.blobKeys, ["t1/bb/b1", "t1/bb/b2", "t1/bb/b3"]);
  assert.equal(dry.bytesBefore, 500);
  assert.equal(dry.bytesAfter, 200);
  assert.equal((await artifactNames(db)).length, 6);

  const report = await artifactGcJob(deps, NOW);
  assert.equal(report.evictedRows, 3);
  assert.deepEqual(await artifactNames(db), ["a0", "a0-again", "a4"]);
  const left: string[] = [];
  for await (const b of blobs.list("t1/")) left.push(b.key);
  assert.deepEqual(left, ["t1/bb/b0", "t1/bb/b4"]);
});

function deps(db: Db, extra: Partial<JobsDeps> = {}): JobsDeps {
  return {
    db,
    blobStore: memoryBlobStore(),
    options: { retentionDays: 30 },
    log: nullLogger(),
    owner: "test",
    ...extra,
  };
}

forEachBackend("cron - registers every job and a firing runs it through the claim", async (db) => {
  const registered: { name: string; schedule: string; handler: () => Promise<void> }[] = [];
  const cron: CronRegister = (name, schedule, _options, handler) => {
    registered.push({ name, schedule, handler });
    return Promise.resolve();
  };
  const definitions = registerCron({ ...deps(db), now: () => NOW }, cron);
  assert.deepEqual(registered.map((r) => [r.name, r.schedule]), [
    ["strata-retention", "17 * * * *"],
    ["strata-artifact_gc", "37 * * * *"],
    ["strata-partitions", "5 0 * * *"],
  ]);
  await run(db, "old", NOW.getTime() - 40 * DAY_MS);
  await registered[0].handler();
  await registered[0].handler(); // the same slot again: skipped
  assert.deepEqual(await runIds(db), []);
  const rows = await db.query("SELECT name, outcome FROM job_runs");
  assert.deepEqual(rows, [{ name: "retention", outcome: "ok" }]);

  const checks = jobReadinessChecks(db, definitions, { startedAt: NOW, now: () => NOW });
  assert.deepEqual(Object.keys(checks), [
    "retention_task",
    "artifact_gc_task",
    "partitions_task",
  ]);
  assert.equal((await checks.retention_task()).ok, true);
});

forEachBackend("commands - jobs run and gc report with exit codes", async (db) => {
  const unknown = await jobsRunCommand(deps(db), "nope");
  assert.equal(unknown.exitCode, 2);
  assert.match(
    unknown.text,
    /Unknown job 'nope': choose one of retention, artifact_gc, partitions/,
  );

  const ran = await jobsRunCommand(deps(db), "partitions", { now: NOW });
  assert.equal(ran.exitCode, 0, ran.text);
  assert.equal((await jobStatus(db, "partitions")).lastFinished?.outcome, "ok");

  const dry = await gcCommand(deps(db), { dryRun: true, now: NOW });
  assert.deepEqual(dry, {
    text: "dry run: would delete 0 artifact(s) and 0 blob(s), 0 bytes; 0 kept as referenced",
    exitCode: 0,
  });
  assert.equal((await jobStatus(db, "artifact_gc")).last, null, "a dry run is not recorded");
  const real = await gcCommand(deps(db), { now: NOW });
  assert.equal(real.exitCode, 0, real.text);
  assert.equal((await jobStatus(db, "artifact_gc")).lastFinished?.outcome, "ok");
});
