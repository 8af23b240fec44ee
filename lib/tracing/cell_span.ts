/** One span per cell run: tenant hash, notebook and cell ids, status, cache hit, duration. */
import type { Tracer } from "./tracer.ts";

/** What a finished cell run tells the span (a subset of the run engine's outcome). */
export interface CellRunFacts {
  cellId: string;
  status: "ready" | "error";
  cacheHit: boolean;
  /** Epoch ms. */
  startedAt: number;
  finishedAt: number;
}

/** Records cell-run spans for one run of a notebook; a no-op without a tracer. */
export interface CellRunSpans {
  done(run: CellRunFacts): void;
}

/**
 * Span recorder for one cascade: each finished cell becomes a `cell.run` span, a child of the
 * span active where the run was started (the HTTP request's, when a request started it). Only
 * ids, hashes, the status, the cache flag and timings are recorded: never sources or values.
 */
export function cellRunSpans(
  tracer: Tracer | undefined,
  scope: { tenantHash: string; notebookId: string },
): CellRunSpans {
  if (!tracer) return { done() {} };
  const parent = tracer.active() ?? null;
  return {
    done(run) {
      const span = tracer.startSpan("cell.run", {
        parent: parent ? { traceId: parent.traceId, spanId: parent.spanId } : null,
        startMs: run.startedAt,
        attributes: {
          "strata.tenant_hash": scope.tenantHash,
          "strata.notebook_id": scope.notebookId,
          "strata.cell_id": run.cellId,
          "strata.status": run.status,
          "strata.cache_hit": run.cacheHit,
          "strata.duration_ms": Math.max(0, run.finishedAt - run.startedAt),
        },
      });
      span.end({ endMs: run.finishedAt, error: run.status === "error" });
    },
  };
}
