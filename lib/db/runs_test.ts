import assert from "node:assert/strict";
import { forEachBackend } from "./testing.ts";
import { listRuns, newRunId, recordRun, recordRuns, type RunInput } from "./runs.ts";

function run(over: Partial<RunInput> = {}): RunInput {
  return {
    tenantHash: "tenantA",
    notebookId: "nb1",
    cellId: "c1",
    provenanceHash: "prov1",
    cacheHit: false,
    status: "ok",
    startedAt: 1_000,
    finishedAt: 1_250,
    ...over,
  };
}

forEachBackend("runs - a recorded run reads back exactly", async (db) => {
  const stored = await recordRun(db, run({ principal: "alice", cacheHit: true }));
  assert.match(stored.id, /^[0-9a-f-]{36}$/);
  assert.equal(stored.durationMs, 250);
  const failed = await recordRun(
    db,
    run({
      id: "run-2",
      status: "error",
      error: "ReferenceError: y is not defined",
      startedAt: 2_000,
      finishedAt: 2_010,
      durationMs: 9,
    }),
  );
  assert.deepEqual(await listRuns(db, { tenantHash: "tenantA" }), [failed, stored]);
  assert.deepEqual(failed, {
    id: "run-2",
    tenantHash: "tenantA",
    notebookId: "nb1",
    cellId: "c1",
    principal: null,
    provenanceHash: "prov1",
    cacheHit: false,
    status: "error",
    error: "ReferenceError: y is not defined",
    durationMs: 9,
    startedAt: 2_000,
    finishedAt: 2_010,
  });
});

forEachBackend("runs - list filters by tenant and notebook, newest first, limited", async (db) => {
  for (let i = 0; i < 5; i++) {
    await recordRun(db, run({ id: `a${i}`, startedAt: 100 * i, finishedAt: 100 * i + 1 }));
  }
  await recordRun(db, run({ id: "other-nb", notebookId: "nb2", startedAt: 50, finishedAt: 60 }));
  await recordRun(db, run({ id: "other-tenant", tenantHash: "tenantB", startedAt: 70 }));
  const nb1 = await listRuns(db, { tenantHash: "tenantA", notebookId: "nb1", limit: 3 });
  assert.deepEqual(nb1.map((r) => r.id), ["a4", "a3", "a2"]);
  const all = await listRuns(db, { tenantHash: "tenantA", limit: 100 });
  assert.deepEqual(all.map((r) => r.id), ["a4", "a3", "a2", "a1", "other-nb", "a0"]);
  assert.deepEqual((await listRuns(db, { tenantHash: "tenantB" })).map((r) => r.id), [
    "other-tenant",
  ]);
});

forEachBackend("runs - a duplicate id is rejected", async (db) => {
  await recordRun(db, run({ id: "same" }));
  await assert.rejects(recordRun(db, run({ id: "same" })));
});

forEachBackend(
  "runs - a batch of runs reads back exactly, across several statements",
  async (db) => {
    const inputs = Array.from({ length: 150 }, (_, i) =>
      run({
        cellId: `c${i}`,
        cacheHit: i % 2 === 0,
        startedAt: 10_000 + i,
        finishedAt: 10_005 + i,
      }));
    const stored = await recordRuns(db, inputs);
    assert.equal(stored.length, 150);
    const listed = await listRuns(db, { tenantHash: "tenantA", limit: 1000 });
    assert.equal(listed.length, 150);
    assert.deepEqual(
      listed.map((r) => [r.cellId, r.cacheHit, r.durationMs]).reverse(),
      inputs.map((r) => [r.cellId, r.cacheHit, 5]),
    );
    assert.deepEqual(await recordRuns(db, []), []);
  },
);

Deno.test("newRunId - RFC 9562 version 7 UUIDs that sort by creation time and do not repeat", () => {
  const t = Date.UTC(2026, 10, 27, 5, 30);
  const ids = Array.from({ length: 2000 }, (_, i) => newRunId(t + Math.floor(i / 100)));
  for (const id of ids) {
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  }
  assert.equal(ids[0].replaceAll("-", "").slice(0, 12), t.toString(16).padStart(12, "0"));
  assert.equal(new Set(ids).size, ids.length);
  for (let i = 100; i < ids.length; i += 100) {
    assert.ok(ids[i - 1] < ids[i], `${ids[i - 1]} < ${ids[i]}`);
  }
});
