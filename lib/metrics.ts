/**
 * Prometheus metrics in one registry per server, created by main.ts and passed down. A small
 * in-house implementation of the text exposition format (counters, gauges, histograms with
 * labels): prom-client cost ≈15 MiB of RSS and 100–400 ms of start-up for the few calls Strata
 * makes (issue 20, docs/performance.md).
 */

type Labels<L extends string> = Partial<Record<L, string | number>>;

/** A monotonically increasing count per label set. */
export interface Counter<L extends string> {
  inc(labels?: Labels<L>, value?: number): void;
}

/** A distribution of observations per label set, in cumulative buckets. */
export interface Histogram<L extends string> {
  observe(labels: Labels<L>, value: number): void;
}

/** What `/metrics` serves: the text exposition of every registered metric. */
export interface Registry {
  readonly contentType: string;
  metrics(): Promise<string>;
}

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

interface Family {
  render(): string;
}

/** Creates a fresh registry with Strata's metrics. */
export function createMetrics(): Metrics {
  const families: Family[] = [];
  const registry: Registry = {
    contentType: "text/plain; version=0.0.4; charset=utf-8",
    metrics: () => Promise.resolve(families.map((f) => f.render()).join("")),
  };
  families.push(gauge(
    "strata_process_resident_memory_bytes",
    "Resident set size of the server process",
    () => Deno.memoryUsage().rss,
  ));
  const metrics: Metrics = {
    registry,
    httpRequests: counter(
      families,
      "strata_http_requests_total",
      "HTTP requests by route pattern and status",
      [
        "method",
        "route",
        "status",
      ],
    ),
    httpDuration: histogram(
      families,
      "strata_http_request_duration_seconds",
      "HTTP request latency by route pattern",
      ["method", "route", "status"],
      [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    ),
    cellExecutions: counter(
      families,
      "strata_cell_executions_total",
      "Cell executions by outcome and cache hit",
      ["tenant", "status", "cache_hit"],
    ),
    cellDuration: histogram(
      families,
      "strata_cell_execution_duration_seconds",
      "Cell execution time (cache misses)",
      ["tenant"],
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    ),
    artifactBytes: counter(
      families,
      "strata_artifact_bytes_written_total",
      "Bytes of new artifact blobs written",
      ["tenant"],
    ),
    rateLimitRejections: counter(
      families,
      "strata_rate_limit_rejections_total",
      "Requests answered 429",
      ["tenant"],
    ),
    auditEvents: counter(families, "strata_audit_events_total", "Audit events appended", [
      "tenant",
      "action",
    ]),
    jobRuns: counter(families, "strata_job_runs_total", "Scheduled job runs by outcome", [
      "job",
      "outcome",
    ]),
    aiTokens: counter(
      families,
      "strata_ai_tokens_total",
      "AI tokens used, by tenant hash and kind (prompt, completion)",
      ["tenant", "kind"],
    ),
  };
  return metrics;
}

function header(name: string, help: string, type: string): string {
  return `# HELP ${name} ${
    help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")
  }\n# TYPE ${name} ${type}\n`;
}

/** `{a="x",b="y"}` in label-name order (empty string when there are none). */
function labelText(names: readonly string[], labels: Labels<string>, extra = ""): string {
  const parts: string[] = [];
  for (const n of names) {
    const v = labels[n];
    if (v === undefined) continue;
    parts.push(
      `${n}="${String(v).replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`,
    );
  }
  if (extra) parts.push(extra);
  return parts.length ? `{${parts.join(",")}}` : "";
}

function num(v: number): string {
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

function checkLabels(name: string, names: readonly string[], labels: Labels<string>): string {
  for (const k of Object.keys(labels)) {
    if (!names.includes(k)) throw new Error(`Metric ${name} has no label '${k}'`);
  }
  return labelText(names, labels);
}

function counter<L extends string>(
  families: Family[],
  name: string,
  help: string,
  names: readonly L[],
): Counter<L> {
  const values = new Map<string, number>();
  families.push({
    render() {
      let out = header(name, help, "counter");
      for (const [labels, v] of values) out += `${name}${labels} ${num(v)}\n`;
      return out;
    },
  });
  return {
    inc(labels = {}, value = 1) {
      if (!(value >= 0)) throw new Error(`Metric ${name}: a counter cannot decrease (${value})`);
      const key = checkLabels(name, names, labels);
      values.set(key, (values.get(key) ?? 0) + value);
    },
  };
}

function histogram<L extends string>(
  families: Family[],
  name: string,
  help: string,
  names: readonly L[],
  buckets: readonly number[],
): Histogram<L> {
  const series = new Map<string, { labels: Labels<L>; counts: number[]; sum: number; n: number }>();
  families.push({
    render() {
      let out = header(name, help, "histogram");
      for (const s of series.values()) {
        let cumulative = 0;
        buckets.forEach((b, i) => {
          cumulative += s.counts[i];
          out += `${name}_bucket${labelText(names, s.labels, `le="${num(b)}"`)} ${cumulative}\n`;
        });
        out += `${name}_bucket${labelText(names, s.labels, `le="+Inf"`)} ${s.n}\n`;
        out += `${name}_sum${labelText(names, s.labels)} ${num(s.sum)}\n`;
        out += `${name}_count${labelText(names, s.labels)} ${s.n}\n`;
      }
      return out;
    },
  });
  return {
    observe(labels, value) {
      const key = checkLabels(name, names, labels);
      let s = series.get(key);
      if (!s) {
        s = { labels: { ...labels }, counts: buckets.map(() => 0), sum: 0, n: 0 };
        series.set(key, s);
      }
      const i = buckets.findIndex((b) => value <= b);
      if (i >= 0) s.counts[i]++;
      s.sum += value;
      s.n++;
    },
  };
}

function gauge(name: string, help: string, collect: () => number): Family {
  return { render: () => `${header(name, help, "gauge")}${name} ${num(collect())}\n` };
}
