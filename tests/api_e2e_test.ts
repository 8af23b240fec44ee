// deno-lint-ignore-file no-explicit-any -- JSON answers of the API under test
// End to end over HTTP against a real server process (issue #4's "must show").
import assert from "node:assert/strict";
import { startServer, type TestServer } from "./_server.ts";
import { tenantHash } from "../lib/tenancy/tenant_id.ts";

function textOf(state: any, cellId: string): string | undefined {
  const d = state.cells.find((c: any) => c.id === cellId)?.outputs?.displays?.[0];
  return d?.type === "text" ? d.data : undefined;
}

async function addCell(s: TestServer, sid: string, source: string): Promise<string> {
  const r = await s.api("POST", `/v1/notebooks/${sid}/cells`, { source });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.cellId;
}

Deno.test("api - cascade, cache hits, staleness, new values and results across a restart", async () => {
  const s = await startServer();
  try {
    let r = await s.api("POST", "/v1/notebooks/create", { name: "Demo notebook" });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    let sid = r.body.sessionId;
    assert.equal(r.body.notebook.path, "demo-notebook");
    const a = await addCell(s, sid, "const x = 1");
    const b = await addCell(s, sid, "const y = x + 1");
    const c = await addCell(s, sid, "y * 10");

    r = await s.api("POST", `/v1/notebooks/${sid}/cells/${c}/execute`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.run.cells.map((x: any) => [x.cellId, x.cacheHit]), [[a, false], [
      b,
      false,
    ], [c, false]]);
    assert.equal(textOf(r.body.state, c), "20");

    r = await s.api("POST", `/v1/notebooks/${sid}/cells/${c}/execute`);
    assert.ok(r.body.run.cells.every((x: any) => x.cacheHit), "second run: all cache hits");

    r = await s.api("PUT", `/v1/notebooks/${sid}/cells/${a}`, { source: "const x = 4" });
    const status = Object.fromEntries(r.body.cells.map((x: any) => [x.id, x.status]));
    assert.deepEqual([status[a], status[b], status[c]], ["stale", "stale", "stale"]);

    r = await s.api("POST", `/v1/notebooks/${sid}/cells/${c}/execute`);
    assert.equal(textOf(r.body.state, c), "50");

    await s.restart();
    r = await s.api("POST", "/v1/notebooks/open", { path: "demo-notebook" });
    assert.equal(r.status, 200);
    sid = r.body.sessionId;
    assert.equal(textOf(r.body, c), "50", "outputs restored after restart");
    r = await s.api("POST", `/v1/notebooks/${sid}/run-all`);
    assert.ok(r.body.run.cells.every((x: any) => x.cacheHit), "after restart: cache hits");
    assert.equal(textOf(r.body.state, c), "50");

    r = await s.api("GET", "/v1/notebooks/discover");
    assert.deepEqual(r.body.notebooks.map((n: any) => n.path), ["demo-notebook"]);
    r = await s.api("GET", `/v1/notebooks/${sid}/artifacts`);
    assert.ok(r.body.artifacts.some((x: any) => x.cellId === a && x.variable === "x"));

    // Metrics are labelled by the tenant's hash (the default tenant here), never its raw id.
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    const hash = await tenantHash("default");
    assert.match(
      metrics,
      new RegExp(
        `strata_cell_executions_total\\{tenant="${hash}",status="ready",cache_hit="true"\\} 3`,
      ),
    );
    assert.match(
      metrics,
      new RegExp(`strata_audit_events_total\\{tenant="${hash}",action="cell.execute"\\}`),
    );
  } finally {
    await s.close();
  }
});

Deno.test("api - runaway, greedy and sandbox-escaping cells fail clearly while the server keeps answering", async () => {
  const s = await startServer({ STRATA_CELL_MEMORY_MB: "96" });
  try {
    const r = await s.api("POST", "/v1/notebooks/create", { name: "hostile" });
    const sid = r.body.sessionId;
    const loop = await addCell(s, sid, "// @timeout 2\nwhile (true) {}");
    const hog = await addCell(
      s,
      sid,
      "const hog: number[][] = [];\nwhile (true) hog.push(new Array(1e6).fill(1));",
    );
    const passwd = await addCell(s, sid, "Deno.readTextFileSync('/etc/passwd').length");
    const sock = await addCell(s, sid, "await Deno.connect({ hostname: '127.0.0.1', port: 9 })");
    const bad = await addCell(s, sid, "const z = 1;\nz.nope.deeper");

    const started = performance.now();
    const pending = s.api("POST", `/v1/notebooks/${sid}/cells/${loop}/execute`);
    const health = await s.api("GET", "/health");
    assert.equal(health.status, 200, "server answers while a cell loops");
    let out = await pending;
    const err = (id: string, st: any) => st.cells.find((x: any) => x.id === id).outputs.error;
    assert.equal(err(loop, out.body.state).kind, "timeout");
    assert.ok(performance.now() - started < 15_000);

    out = await s.api("POST", `/v1/notebooks/${sid}/cells/${hog}/execute`);
    assert.equal(err(hog, out.body.state).kind, "memory");
    out = await s.api("POST", `/v1/notebooks/${sid}/cells/${passwd}/execute`);
    assert.equal(err(passwd, out.body.state).kind, "permission");
    out = await s.api("POST", `/v1/notebooks/${sid}/cells/${sock}/execute`);
    assert.equal(err(sock, out.body.state).kind, "permission");
    out = await s.api("POST", `/v1/notebooks/${sid}/cells/${bad}/execute`);
    assert.equal(err(bad, out.body.state).line, 2);
  } finally {
    await s.close();
  }
});

Deno.test("api - bad input gets clear errors", async () => {
  const s = await startServer({ STRATA_MAX_BODY_BYTES: "4096" });
  try {
    let r = await s.api("POST", "/v1/notebooks/open", { path: "../../etc" });
    assert.equal(r.status, 403);
    assert.match(r.body.error.message, /outside the notebook directory/);
    r = await s.api("POST", "/v1/notebooks/open", { path: "nope" });
    assert.equal(r.status, 404);
    assert.match(r.body.error.message, /not a notebook folder/);
    r = await s.api("POST", "/v1/notebooks/create", { nam: "x" });
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /name/);
    r = await s.api("POST", "/v1/notebooks/create", { name: "x".repeat(5000) });
    assert.equal(r.status, 413);
    r = await s.api("GET", "/v1/notebooks/no-such-session");
    assert.equal(r.status, 404);
    const created = await s.api("POST", "/v1/notebooks/create", { name: "ok" });
    r = await s.api("POST", `/v1/notebooks/${created.body.sessionId}/cells/zzz/execute?mode=bogus`);
    assert.equal(r.status, 400);
    // A malformed manifest on disk is reported with the file and problem, not a 500.
    await Deno.writeTextFile(`${s.dir}/notebooks/ok/notebook.toml`, "name = [\n");
    r = await s.api("POST", "/v1/notebooks/open", { path: "ok" });
    assert.equal(r.status, 200, "the already-open session still answers");
    await Deno.mkdir(`${s.dir}/notebooks/broken`);
    await Deno.writeTextFile(`${s.dir}/notebooks/broken/notebook.toml`, "name = [\n");
    r = await s.api("POST", "/v1/notebooks/open", { path: "broken" });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.match(r.body.error.message, /notebook\.toml/);
  } finally {
    await s.close();
  }
});
