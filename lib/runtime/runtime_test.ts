import assert from "node:assert/strict";
import { nullLogger } from "../log.ts";
import { NotebookSession } from "../session/notebook_session.ts";
import { sessionFixture } from "../session/_session_fixture.ts";
import { createAuditRecorder } from "../audit/recorder.ts";
import { developmentAuditKey } from "../audit/audit_key.ts";
import type { AuditRecorder } from "../audit/recorder.ts";

Deno.test("runtime - an executed cell's cache entry commits with its run row and audit event (one transaction)", async () => {
  let failAudit = false;
  const f = await sessionFixture({
    audit: (db): AuditRecorder => {
      const real = createAuditRecorder({ db, key: developmentAuditKey(), log: nullLogger() });
      return {
        record: (e, tx) => real.record(e, tx),
        recordMany(events, tx) {
          if (failAudit) return Promise.reject(new Error("audit store unavailable"));
          return real.recordMany!(events, tx);
        },
      };
    },
  });
  const { db } = f;
  try {
    const s = await NotebookSession.open(f.root, f.scope, f.deps);
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
    const s2 = await NotebookSession.open(f.root, f.scope, f.deps);
    const again = await s2.execute(a);
    assert.deepEqual(again.cells.map((c) => [c.status, c.cacheHit]), [["ready", true]]);
  } finally {
    await f.cleanup();
  }
});
