import assert from "node:assert/strict";
import { forEachBackend } from "../db/testing.ts";
import { createMetrics } from "../metrics.ts";
import { nullLogger } from "../log.ts";
import { developmentAuditKey } from "./audit_key.ts";
import { createAuditRecorder } from "./recorder.ts";
import { verifyAudit } from "./verify.ts";

forEachBackend(
  "recorder - recordMany counts every event in the metric and chains them",
  async (db) => {
    const metrics = createMetrics();
    const key = developmentAuditKey();
    const audit = createAuditRecorder({ db, key, log: nullLogger(), metrics, now: () => 1_000 });
    const event = (action: string, i: number) => ({
      tenantHash: i % 2 ? "t1" : "t2",
      actor: null,
      action,
      resource: `r${i}`,
    });
    await audit.recordMany!(Array.from({ length: 5 }, (_, i) => event("cell.execute", 2 * i)));
    await audit.recordMany!(Array.from({ length: 3 }, (_, i) => event("cell.execute", 2 * i + 1)));
    await audit.recordMany!([event("notebook.create", 1), event("cell.execute", 1)]);
    await audit.record(event("cell.execute", 1));
    const text = await metrics.registry.metrics();
    assert.match(text, /strata_audit_events_total\{tenant="t2",action="cell.execute"\} 5\n/);
    assert.match(text, /strata_audit_events_total\{tenant="t1",action="cell.execute"\} 5\n/);
    assert.match(text, /strata_audit_events_total\{tenant="t1",action="notebook.create"\} 1\n/);
    const report = await verifyAudit(db, new Map([[key.id, key.secret]]));
    assert.deepEqual(report, { ok: true, rows: 11, tenants: 2 });
  },
);
