import assert from "node:assert/strict";
import { createRuntime } from "./runtime.ts";
import { fsBlobStore } from "../artifacts/fs_blob_store.ts";
import { openSqlite } from "../db/sqlite.ts";
import { migrate } from "../db/migrate.ts";
import { createExecutor } from "../executor/executor.ts";
import { nullLogger } from "../log.ts";
import { createNotebook } from "../notebook/format.ts";
import { NotebookSession } from "../session/notebook_session.ts";
import { createAuditRecorder } from "../audit/recorder.ts";
import { developmentAuditKey } from "../audit/audit_key.ts";
import type { AuditRecorder } from "../audit/recorder.ts";

Deno.test("runtime - an executed cell's cache entry commits with its run row and audit event (one transaction)", async () => {
  const dir = await Deno.makeTempDir();
  const db = openSqlite(`${dir}/strata.db`);
  await migrate(db);
  await Deno.mkdir(`${dir}/scratch`);
  const executor = createExecutor({
    scratchRoot: `${dir}/scratch`,
    poolSize: 1,
    childEnv: { HOME: Deno.env.get("HOME") ?? dir },
  });
  const real = createAuditRecorder({ db, key: developmentAuditKey(), log: nullLogger() });
  let failAudit = false;
  const audit: AuditRecorder = {
    record: (e, tx) => real.record(e, tx),
    recordMany(events, tx) {
      if (failAudit) return Promise.reject(new Error("audit store unavailable"));
      return real.recordMany!(events, tx);
    },
  };
  const runtime = createRuntime({
    db,
    audit,
    blobs: fsBlobStore(`${dir}/artifacts`),
    executor,
    log: nullLogger(),
    denoVersion: Deno.version.deno,
    memoryMb: 256,
    defaultTimeoutSeconds: 30,
  });
  try {
    await createNotebook(`${dir}/nb`, { name: "tx" });
    const scope = { tenantId: "default", tenantHash: "t0", path: "nb" };
    const s = await NotebookSession.open(`${dir}/nb`, scope, { runtime });
    const a = await s.addCell({ source: "const x = 6 * 7" });

    // The record fails: no run row, no audit event, and no cache entry either.
    failAudit = true;
    await assert.rejects(s.execute(a), /audit store unavailable/);
    const count = async (table: string) =>
      Number((await db.query(`SELECT count(*) AS n FROM ${table}`))[0].n);
    assert.equal(await count("artifacts"), 0, "no index row without its record");
    assert.equal(await count("runs"), 0);

    // Recorded: the cache entry, the run row and the audit event are all there.
    failAudit = false;
    const first = await s.execute(a);
    assert.deepEqual(first.cells.map((c) => [c.status, c.cacheHit]), [["ready", false]]);
    assert.ok(await count("artifacts") > 0);
    assert.equal(await count("runs"), 1);
    assert.equal(await count("audit_events"), 1);
    const s2 = await NotebookSession.open(`${dir}/nb`, scope, { runtime });
    const again = await s2.execute(a);
    assert.deepEqual(again.cells.map((c) => [c.status, c.cacheHit]), [["ready", true]]);
  } finally {
    await executor.close();
    await db.close();
    await Deno.remove(dir, { recursive: true });
  }
});
