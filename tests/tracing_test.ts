// deno-lint-ignore-file no-explicit-any -- OTLP JSON as received
// Tracing end to end: the real server sends OTLP/HTTP JSON to a small local receiver; a span per
// request and per cell run, with ids, hashes and cache hits, and nothing of sources or values.
import assert from "node:assert/strict";
import { startServer } from "./_server.ts";

interface Received {
  bodies: string[];
  url: string;
  close(): Promise<void>;
}

/** A minimal OTLP/HTTP receiver: stores every POST /v1/traces body. */
function otlpReceiver(): Received {
  const bodies: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    if (req.method !== "POST" || new URL(req.url).pathname !== "/v1/traces") {
      return new Response("not found", { status: 404 });
    }
    assert.equal(req.headers.get("content-type"), "application/json");
    bodies.push(await req.text());
    return Response.json({});
  });
  return {
    bodies,
    url: `http://127.0.0.1:${server.addr.port}`,
    close: () => server.shutdown(),
  };
}

function spans(bodies: string[]): any[] {
  return bodies.flatMap((b) =>
    JSON.parse(b).resourceSpans.flatMap((r: any) =>
      r.scopeSpans.flatMap((s: any) =>
        s.spans.map((sp: any) => ({
          ...sp,
          service: r.resource.attributes.find((a: any) => a.key === "service.name")?.value
            .stringValue,
          attrs: Object.fromEntries(
            sp.attributes.map((a: any) => [a.key, Object.values(a.value)[0]]),
          ),
        }))
      )
    )
  );
}

Deno.test("tracing - spans per request and per cell run reach an OTLP receiver, without sources or values", async () => {
  const receiver = otlpReceiver();
  const SOURCE_MARK = "source_marker_7f3a";
  const VALUE_MARK = "value_marker_91c2";
  const s = await startServer({
    STRATA_TRACING_ENABLED: "true",
    STRATA_TRACING_OTLP_ENDPOINT: receiver.url,
    STRATA_TRACING_SERVICE_NAME: "strata-test",
  });
  let cellId = "";
  let notebookId = "";
  try {
    const created = await s.api("POST", "/v1/notebooks/create", { name: "traced" });
    assert.equal(created.status, 201);
    const sid = created.body.sessionId;
    notebookId = created.body.notebook.id;
    const cell = await s.api("POST", `/v1/notebooks/${sid}/cells`, {
      source: `const ${SOURCE_MARK} = 1\n"${VALUE_MARK}" + ${SOURCE_MARK}`,
    });
    cellId = cell.body.cellId;
    const headers = { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" };
    for (let i = 0; i < 2; i++) {
      const run = await s.api(
        "POST",
        `/v1/notebooks/${sid}/cells/${cellId}/execute`,
        undefined,
        headers,
      );
      assert.equal(run.status, 200, JSON.stringify(run.body));
    }
  } finally {
    await s.close(); // graceful stop flushes the tracer
    await receiver.close();
  }
  const all = spans(receiver.bodies);
  const text = receiver.bodies.join("\n");
  assert.ok(all.length >= 5, `spans received: ${all.length}`);
  assert.ok(all.every((sp) => sp.service === "strata-test"));

  const executes = all.filter((sp) => sp.name === "POST /v1/notebooks/:sid/cells/:cid/execute");
  assert.equal(executes.length, 2);
  for (const r of executes) {
    assert.equal(r.kind, 2);
    assert.equal(r.attrs["http.response.status_code"], "200");
    assert.equal(r.attrs["http.route"], "/v1/notebooks/:sid/cells/:cid/execute");
    assert.match(r.attrs["strata.tenant_hash"], /^[0-9a-f]+$/);
    // The incoming traceparent is continued.
    assert.equal(r.traceId, "0af7651916cd43dd8448eb211c80319c");
    assert.equal(r.parentSpanId, "b7ad6b7169203331");
  }
  const runs = all.filter((sp) => sp.name === "cell.run");
  assert.equal(runs.length, 2);
  assert.deepEqual(runs.map((r) => r.attrs["strata.cache_hit"]), [false, true]);
  for (const [i, r] of runs.entries()) {
    assert.equal(r.attrs["strata.cell_id"], cellId);
    assert.equal(r.attrs["strata.notebook_id"], notebookId);
    assert.equal(r.attrs["strata.status"], "ready");
    assert.equal(r.attrs["strata.tenant_hash"], executes[i].attrs["strata.tenant_hash"]);
    assert.equal(typeof Number(r.attrs["strata.duration_ms"]), "number");
    // Each cell run is a child of the request that ran it.
    assert.equal(r.parentSpanId, executes[i].spanId);
    assert.equal(r.traceId, executes[i].traceId);
    assert.ok(BigInt(r.endTimeUnixNano) >= BigInt(r.startTimeUnixNano));
  }
  assert.doesNotMatch(text, new RegExp(SOURCE_MARK));
  assert.doesNotMatch(text, new RegExp(VALUE_MARK));
  assert.doesNotMatch(text, /traced/, "notebook names and paths stay out of spans");
});

Deno.test("tracing - off by default: nothing is sent", async () => {
  const receiver = otlpReceiver();
  const s = await startServer({ STRATA_TRACING_OTLP_ENDPOINT: receiver.url });
  try {
    assert.equal((await s.api("GET", "/ready")).status, 200);
  } finally {
    await s.close();
    await receiver.close();
  }
  assert.equal(receiver.bodies.length, 0);
});
