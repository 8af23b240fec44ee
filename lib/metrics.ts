/** Prometheus metrics (prom-client) in one registry per server, created by main.ts and passed down. */
import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** The server's metrics; modules receive this object rather than importing a global registry. */
export interface Metrics {
  registry: Registry;
  httpRequests: Counter<"method" | "route" | "status">;
  httpDuration: Histogram<"method" | "route" | "status">;
  cellExecutions: Counter<"tenant" | "status" | "cache_hit">;
  cellDuration: Histogram<"tenant">;
  artifactBytes: Counter<"tenant">;
  rateLimitRejections: Counter<"tenant">;
  auditEvents: Counter<"tenant" | "action">;
  jobRuns: Counter<"job" | "outcome">;
  aiTokens: Counter<"tenant" | "kind">;
}

/** Creates a fresh registry with Strata's metrics (no default Node metrics: they need -A). */
export function createMetrics(): Metrics {
  const registry = new Registry();
  const registers = [registry];
  new Gauge({
    name: "strata_process_resident_memory_bytes",
    help: "Resident set size of the server process",
    registers,
    collect() {
      this.set(Deno.memoryUsage().rss);
    },
  });
  return {
    registry,
    httpRequests: new Counter({
      name: "strata_http_requests_total",
      help: "HTTP requests by route pattern and status",
      labelNames: ["method", "route", "status"],
      registers,
    }),
    httpDuration: new Histogram({
      name: "strata_http_request_duration_seconds",
      help: "HTTP request latency by route pattern",
      labelNames: ["method", "route", "status"],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    cellExecutions: new Counter({
      name: "strata_cell_executions_total",
      help: "Cell executions by outcome and cache hit",
      labelNames: ["tenant", "status", "cache_hit"],
      registers,
    }),
    cellDuration: new Histogram({
      name: "strata_cell_execution_duration_seconds",
      help: "Cell execution time (cache misses)",
      labelNames: ["tenant"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
    artifactBytes: new Counter({
      name: "strata_artifact_bytes_written_total",
      help: "Bytes of new artifact blobs written",
      labelNames: ["tenant"],
      registers,
    }),
    rateLimitRejections: new Counter({
      name: "strata_rate_limit_rejections_total",
      help: "Requests answered 429",
      labelNames: ["tenant"],
      registers,
    }),
    auditEvents: new Counter({
      name: "strata_audit_events_total",
      help: "Audit events appended",
      labelNames: ["tenant", "action"],
      registers,
    }),
    jobRuns: new Counter({
      name: "strata_job_runs_total",
      help: "Scheduled job runs by outcome",
      labelNames: ["job", "outcome"],
      registers,
    }),
    aiTokens: new Counter({
      name: "strata_ai_tokens_total",
      help: "AI tokens used, by tenant hash and kind (prompt, completion)",
      labelNames: ["tenant", "kind"],
      registers,
    }),
  };
}
