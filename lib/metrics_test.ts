import assert from "node:assert/strict";
import { createMetrics } from "./metrics.ts";

Deno.test("metrics - counters render per label set in label-name order", async () => {
  const m = createMetrics();
  m.cellExecutions.inc({ cache_hit: "true", status: "ready", tenant: "t1" });
  m.cellExecutions.inc({ tenant: "t1", status: "ready", cache_hit: "true" }, 2);
  m.cellExecutions.inc({ tenant: "t2", status: "error", cache_hit: "false" });
  const text = await m.registry.metrics();
  assert.match(text, /# TYPE strata_cell_executions_total counter/);
  assert.match(
    text,
    /strata_cell_executions_total\{tenant="t1",status="ready",cache_hit="true"\} 3\n/,
  );
  assert.match(
    text,
    /strata_cell_executions_total\{tenant="t2",status="error",cache_hit="false"\} 1\n/,
  );
  assert.match(m.registry.contentType, /^text\/plain; version=0\.0\.4/);
});

Deno.test("metrics - histograms are cumulative with +Inf, sum and count", async () => {
  const m = createMetrics();
  const labels = { method: "GET", route: "/x", status: "200" };
  m.httpDuration.observe(labels, 0.003);
  m.httpDuration.observe(labels, 0.2);
  m.httpDuration.observe(labels, 99);
  const text = await m.registry.metrics();
  const l = 'method="GET",route="/x",status="200"';
  assert.match(
    text,
    new RegExp(`strata_http_request_duration_seconds_bucket\\{${l},le="0.001"\\} 0\n`),
  );
  assert.match(
    text,
    new RegExp(`strata_http_request_duration_seconds_bucket\\{${l},le="0.005"\\} 1\n`),
  );
  assert.match(
    text,
    new RegExp(`strata_http_request_duration_seconds_bucket\\{${l},le="0.25"\\} 2\n`),
  );
  assert.match(
    text,
    new RegExp(`strata_http_request_duration_seconds_bucket\\{${l},le="10"\\} 2\n`),
  );
  assert.match(
    text,
    new RegExp(`strata_http_request_duration_seconds_bucket\\{${l},le="\\+Inf"\\} 3\n`),
  );
  assert.match(text, new RegExp(`strata_http_request_duration_seconds_count\\{${l}\\} 3\n`));
  assert.match(text, new RegExp(`strata_http_request_duration_seconds_sum\\{${l}\\} 99.203\n`));
});

Deno.test("metrics - label values are escaped and unknown labels or negative counts rejected", async () => {
  const m = createMetrics();
  m.httpRequests.inc({ method: "GET", route: 'a"b\\c\nd', status: "200" });
  const text = await m.registry.metrics();
  assert.ok(text.includes('route="a\\"b\\\\c\\nd"'), text);
  // deno-lint-ignore no-explicit-any
  assert.throws(() => m.httpRequests.inc({ nope: "x" } as any), /no label 'nope'/);
  assert.throws(() => m.artifactBytes.inc({ tenant: "t" }, -1), /cannot decrease/);
  assert.match(text, /strata_process_resident_memory_bytes \d+\n/);
});
