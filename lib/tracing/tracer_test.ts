// deno-lint-ignore-file no-explicit-any -- OTLP JSON as sent
import assert from "node:assert/strict";
import { createOtlpTracer, parseTraceparent } from "./tracer.ts";

function fakeCollector(up: () => boolean) {
  const bodies: unknown[] = [];
  const fetchFn = (_url: string | URL | Request, init?: RequestInit) => {
    if (!up()) return Promise.reject(new TypeError("connection refused"));
    bodies.push(JSON.parse(String(init?.body)));
    return Promise.resolve(new Response("{}"));
  };
  return { bodies, fetch: fetchFn as typeof fetch };
}

Deno.test("tracer - attributes outside the fixed set never reach the wire", async () => {
  const c = fakeCollector(() => true);
  const tracer = createOtlpTracer({
    endpoint: "http://otel:4318",
    serviceName: "s",
    fetch: c.fetch,
    now: () => 1000,
  });
  const span = tracer.startSpan("cell.run", { attributes: { "strata.cell_id": "c1" } });
  span.set({
    "strata.cache_hit": true,
    ...({ "cell.source": "const secret = 1", value: 42 } as object),
  });
  span.end({ endMs: 1500 });
  await tracer.close();
  const text = JSON.stringify(c.bodies);
  assert.doesNotMatch(text, /cell\.source|const secret/);
  const [sp] = (c.bodies[0] as any).resourceSpans[0].scopeSpans[0].spans;
  assert.deepEqual(sp.attributes, [
    { key: "strata.cell_id", value: { stringValue: "c1" } },
    { key: "strata.cache_hit", value: { boolValue: true } },
  ]);
  assert.equal(sp.startTimeUnixNano, "1000000000");
  assert.equal(sp.endTimeUnixNano, "1500000000");
  assert.match(sp.traceId, /^[0-9a-f]{32}$/);
  assert.match(sp.spanId, /^[0-9a-f]{16}$/);
});

Deno.test("tracer - an unreachable collector keeps spans (bounded) for the next flush", async () => {
  let up = false;
  const c = fakeCollector(() => up);
  const tracer = createOtlpTracer({
    endpoint: "http://otel:4318/",
    serviceName: "s",
    fetch: c.fetch,
    maxQueue: 3,
    maxBatch: 100,
  });
  for (let i = 0; i < 5; i++) tracer.startSpan(`s${i}`).end();
  await tracer.flush(); // fails quietly
  assert.equal(c.bodies.length, 0);
  up = true;
  await tracer.close();
  const names = (c.bodies[0] as any).resourceSpans[0].scopeSpans[0].spans.map((s: any) => s.name);
  assert.deepEqual(names, ["s2", "s3", "s4"], "the oldest are dropped past maxQueue");
});

Deno.test("tracer - traceparent parsing accepts version 00 only, rejects zero ids", () => {
  assert.deepEqual(parseTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"), {
    traceId: "0af7651916cd43dd8448eb211c80319c",
    spanId: "b7ad6b7169203331",
  });
  for (
    const bad of [
      undefined,
      "",
      "garbage",
      "00-00000000000000000000000000000000-b7ad6b7169203331-01",
      "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    ]
  ) {
    assert.equal(parseTraceparent(bad), null, String(bad));
  }
});
