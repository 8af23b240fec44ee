// /ready reports each scheduled job: 503 naming the job after a failed run, 200 after a good one.
import assert from "node:assert/strict";
import { loadConfig } from "../lib/config/load.ts";
import { openSqlite } from "../lib/db/sqlite.ts";
import { migrate } from "../lib/db/migrate.ts";
import { createApp } from "../lib/http/app.ts";
import { nullLogger } from "../lib/log.ts";
import { createMetrics } from "../lib/metrics.ts";
import { createReadiness } from "../lib/readiness.ts";
import { jobReadinessCheck } from "../lib/jobs/job_readiness.ts";
import { runJob } from "../lib/jobs/job_runner.ts";

Deno.test("ready - a failed job run makes /ready 503 naming the job; a good run brings it back", async () => {
  const dir = await Deno.makeTempDir();
  const db = openSqlite(`${dir}/strata.db`);
  try {
    await migrate(db);
    const { config } = loadConfig({ HOME: dir });
    const metrics = createMetrics();
    const readiness = createReadiness();
    const startedAt = new Date("2026-11-01T00:00:00Z");
    let now = new Date("2026-11-01T01:00:00Z");
    readiness.add(
      "retention_task",
      jobReadinessCheck(db, { name: "retention", periodMs: 3_600_000, startedAt, now: () => now }),
    );
    const app = createApp({
      config,
      log: nullLogger(),
      metrics,
      readiness,
      version: "t",
      defaultTenant: { id: "default", hash: "0" },
    });
    const ready = async () => {
      const res = await app.request("/ready", { headers: { host: "127.0.0.1:8765" } });
      return { status: res.status, body: await res.json() };
    };

    assert.equal((await ready()).status, 200, "not yet due: ready");
    await runJob({
      db,
      name: "retention",
      now,
      owner: "a",
      metrics,
      job: () => Promise.reject(new Error("disk full")),
    });
    let r = await ready();
    assert.equal(r.status, 503);
    assert.equal(r.body.status, "not_ready");
    assert.equal(r.body.checks.retention_task.status, "error");
    assert.match(r.body.checks.retention_task.reason, /last run failed: disk full/);

    now = new Date("2026-11-01T02:00:00Z");
    await runJob({
      db,
      name: "retention",
      now,
      owner: "a",
      metrics,
      job: () => Promise.resolve({ summary: "deleted 0 runs", deleted: 0 }),
    });
    r = await ready();
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.checks.retention_task, {
      status: "ok",
      last_run: "2026-11-01T02:00:00.000Z",
    });
    const text = await (await app.request("/metrics", { headers: { host: "127.0.0.1:8765" } }))
      .text();
    assert.match(text, /strata_job_runs_total\{job="retention",outcome="error"\} 1/);
    assert.match(text, /strata_job_runs_total\{job="retention",outcome="ok"\} 1/);
  } finally {
    await db.close();
    await Deno.remove(dir, { recursive: true });
  }
});
