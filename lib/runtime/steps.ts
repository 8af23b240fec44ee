/** The named post-run steps every run shares: record (run rows + audit) and count (metrics). */
import type { AuditRecorder } from "../audit/recorder.ts";
import { recordRuns } from "../db/runs.ts";
import type { Db } from "../db/types.ts";
import type { Metrics } from "../metrics.ts";
import type { CellRunOutcome } from "./run_engine.ts";
import { indexCell } from "./cell_cache.ts";

/** Who and what a run is for: recorded with every cell it runs. */
export interface RunScope {
  tenantHash: string;
  notebookId: string;
  /** The notebook's path relative to the tenant's root, as audit resources name it. */
  notebookPath: string;
  principal: string | null;
  /** The notebook's `[[workers]]` (for `@worker` resolution). */
  workers?: readonly unknown[];
  /** The notebook's `timeout` in seconds, if set. */
  timeoutSeconds?: number;
  /** Interactive (a cell) or bulk (transforms): the NATS subject class (issue 21). */
  workClass?: "interactive" | "bulk";
  /** Extra audit details of every cell event of this run (e.g. `{transform: "daily"}`). */
  auditDetails?: Record<string, unknown>;
}

/**
 * Step `record`: each run row and its audit event commit together, so the log ties who ran what
 * to which output hash and cannot disagree with the run history. An executed cell's cache index
 * rows (`unindexed`) commit in the same transaction (issue 20: one commit per executed cell): a
 * cached output always has its run row and audit event.
 */
export async function recordOutcomes(
  deps: { db: Db; audit?: AuditRecorder },
  scope: RunScope,
  outcomes: readonly CellRunOutcome[],
): Promise<void> {
  if (outcomes.length === 0) return;
  // Outcomes alike share one details object, so its canonical JSON is written once a batch.
  const detailsByKind = new Map<string, Record<string, unknown>>();
  const detailsOf = (o: CellRunOutcome) => {
    const errorKind = o.error?.kind ?? null;
    const kind = JSON.stringify([o.status, o.cacheHit, errorKind]);
    let details = detailsByKind.get(kind);
    if (!details) {
      details = { status: o.status, cacheHit: o.cacheHit, errorKind, ...scope.auditDetails };
      detailsByKind.set(kind, details);
    }
    return details;
  };
  const audit = (o: CellRunOutcome) => ({
    tenantHash: scope.tenantHash,
    actor: scope.principal,
    action: "cell.execute",
    resource: `notebooks/${scope.notebookPath}/cells/${o.cellId}`,
    details: detailsOf(o),
    provenanceHash: o.provenance,
    outputHash: o.outputHash ?? null,
  });
  // Issue 20: one transaction, the run rows and the audit events each in multi-row statements.
  await deps.db.transaction(async (tx) => {
    for (const o of outcomes) if (o.unindexed) await indexCell(tx, o.unindexed);
    await recordRuns(
      tx,
      outcomes.map((o) => ({
        tenantHash: scope.tenantHash,
        notebookId: scope.notebookId,
        cellId: o.cellId,
        principal: scope.principal,
        provenanceHash: o.provenance,
        cacheHit: o.cacheHit,
        status: o.status === "ready" ? "ok" : o.error?.kind ?? "error",
        error: o.error?.message ?? null,
        durationMs: Math.round(o.result.durationMs),
        startedAt: o.startedAt,
        finishedAt: o.finishedAt,
      })),
    );
    if (!deps.audit) return;
    if (deps.audit.recordMany) await deps.audit.recordMany(outcomes.map(audit), tx);
    else for (const o of outcomes) await deps.audit.record(audit(o), tx);
  });
  for (const o of outcomes) {
    o.unindexed?.remember();
    o.unindexed = undefined; // committed: never indexed twice
  }
}

/** Step `count`: executions, durations and artifact bytes, labelled with the tenant hash. */
export function countOutcome(
  metrics: Metrics | undefined,
  tenantHash: string,
  o: CellRunOutcome,
): void {
  if (!metrics) return;
  metrics.cellExecutions.inc({
    tenant: tenantHash,
    status: o.status,
    cache_hit: String(o.cacheHit),
  });
  if (!o.cacheHit && o.status === "ready") {
    metrics.cellDuration.observe({ tenant: tenantHash }, o.result.durationMs / 1000);
  }
  if (o.bytesWritten) metrics.artifactBytes.inc({ tenant: tenantHash }, o.bytesWritten);
}
