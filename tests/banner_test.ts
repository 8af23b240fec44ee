// The start-up banner a person reads, and the log lines a first session must not show.
import assert from "node:assert/strict";
import { startServer } from "./_server.ts";
import { bannerText } from "../lib/banner.ts";

Deno.test("banner - personal start shows mode, URL, data locations, next steps; a first run logs no legacy-abort or audit-key warning", async () => {
  const s = await startServer();
  try {
    const created = await s.api("POST", "/v1/notebooks/create", { name: "first" });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const sid = created.body.sessionId;
    const cell = await s.api("POST", `/v1/notebooks/${sid}/cells`, { source: "6 * 7" });
    assert.equal(cell.status, 201, JSON.stringify(cell.body));
    // Executing waits for a QoS slot with the request's signal: the read that used to print
    // Deno's "request.signal aborts on successful responses (legacy behavior)" warning.
    const run = await s.api("POST", `/v1/notebooks/${sid}/cells/${cell.body.cellId}/execute`);
    assert.equal(run.status, 200, JSON.stringify(run.body));
  } finally {
    await s.stop(); // waits for the end of stderr
  }
  const log = s.logs();
  await Deno.remove(s.dir, { recursive: true });
  assert.match(log, /Strata is ready \(personal mode/);
  assert.match(log, new RegExp(`URL: +http://127\\.0\\.0\\.1:${s.port}\\n`));
  assert.match(log, new RegExp(`Notebooks: +${s.dir}/notebooks\\n`));
  assert.match(log, new RegExp(`Artifacts: +${s.dir}/data/artifacts\\n`));
  assert.match(log, new RegExp(`Database: +${s.dir}/data/strata\\.db \\(SQLite\\)`));
  assert.match(log, /Migrations: +applied 0001_/);
  assert.match(log, /Next steps:\n +- open http:\/\/127\.0\.0\.1:\d+ in a browser/);
  assert.doesNotMatch(log, /Warnings:/);
  assert.doesNotMatch(log, /legacy|unstable-no-legacy-abort/i);
  assert.doesNotMatch(log, /AUDIT_HMAC_KEY|development key/);
});

Deno.test("banner - pending migrations and warnings are listed with what to run", () => {
  const text = bannerText({
    mode: "service",
    url: "http://0.0.0.0:8765",
    database: { kind: "postgres", location: "postgres://strata:***@db:5432/strata" },
    notebooks: "/data/notebooks",
    artifacts: "s3://bucket/strata/",
    migrations: {
      applied: [],
      pending: ["0003_jobs_and_partitions"],
      current: "0002_audit",
      autoMigrate: false,
    },
    warnings: ["ignored unknown environment variable STRATA_PORTT"],
    readyMs: 12,
    version: "0.1.0",
  }, ["ignored unknown environment variable STRATA_PORTT"]);
  assert.match(text, /Strata is ready \(service mode/);
  assert.match(text, /Database: +postgres:\/\/strata:\*\*\*@db:5432\/strata \(PostgreSQL\)/);
  assert.match(text, /Migrations: +1 pending \(at 0002_audit; auto_migrate is off\)/);
  assert.match(text, /authenticating proxy/);
  assert.match(text, /Warnings:\n +! ignored unknown environment variable STRATA_PORTT/);
});
