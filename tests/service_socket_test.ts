// deno-lint-ignore-file no-explicit-any -- JSON answers of the HTTP API are read untyped
// The WebSocket against a real service-mode server: its messages are commands of the one
// pipeline, so ACL rules, scopes, QoS slots and the audit log apply exactly as over HTTP.
import assert from "node:assert/strict";
import { startServer } from "./_server.ts";
import { openSocket, proxyHeaders } from "./_app.ts";

const TOKEN = "service-socket-test-token-0123";
const ALL = "notebook:* admin:*";

/** Headers the trusted proxy in front of the test server would inject. */
const as = (principal: string, scopes: string, tenant?: string) =>
  proxyHeaders(principal, scopes, tenant, TOKEN);

Deno.test("service socket - a real server refuses ACL-denied runs and unscoped edits over the socket as over HTTP, and audits allowed ones", async () => {
  const artifacts = await Deno.makeTempDir({ prefix: "strata-svc-ws-" });
  const acl = {
    default: "allow",
    deny: [{ principal: "mallory", resource: "notebooks/guarded", scope: "notebook:execute" }],
  };
  const app = await startServer({
    STRATA_DEPLOYMENT_MODE: "service",
    STRATA_AUTH_MODE: "trusted_proxy",
    STRATA_PROXY_TOKEN: TOKEN,
    STRATA_AUDIT_HMAC_KEY: "s".repeat(40),
    STRATA_ARTIFACT_DIR: artifacts,
    STRATA_ACL_CONFIG: JSON.stringify(acl),
  });
  try {
    const owner = as("owner", ALL);
    let r = await app.api("POST", "/v1/notebooks/create", { name: "g", path: "guarded" }, owner);
    const sid = r.body.sessionId;
    r = await app.api("POST", `/v1/notebooks/${sid}/cells`, { source: "6 * 7" }, owner);
    const cell = r.body.cellId;
    const url = `${app.url.replace("http", "ws")}/v1/notebooks/ws/${sid}`;

    // Mallory may read and write but not execute here: refused on both surfaces, same code.
    r = await app.api(
      "POST",
      `/v1/notebooks/${sid}/cells/${cell}/execute`,
      undefined,
      as("mallory", ALL),
    );
    assert.equal(r.status, 404);
    const m = await openSocket(url, as("mallory", ALL));
    try {
      m.send("cell_execute", { cellId: cell });
      let e = await m.next((e) => e.type === "error");
      assert.equal(e.payload.code, "not_found");
      m.send("notebook_run_all", {});
      e = await m.next((e) => e.type === "error" && e !== m.events.find((x) => x.type === "error"));
      assert.equal(e.payload.code, "not_found");
    } finally {
      await m.close();
    }

    // A reader without notebook:write cannot edit over the socket.
    const reader = await openSocket(url, as("reader", "notebook:read notebook:execute"));
    try {
      reader.send("cell_source_update", { cellId: cell, source: "'pwned'" });
      const e = await reader.next((e) => e.type === "error");
      assert.equal(e.payload.code, "forbidden");
    } finally {
      await reader.close();
    }
    r = await app.api("GET", `/v1/notebooks/${sid}`, undefined, owner);
    assert.equal(r.body.cells[0].source, "6 * 7", "the refused edit changed nothing");

    // Allowed socket edits and runs are audited like HTTP ones.
    const o = await openSocket(url, owner);
    try {
      o.send("cell_source_update", { cellId: cell, source: "6 * 8" });
      await o.next((e) => e.type === "notebook_state" && e.payload.cells[0].source === "6 * 8");
      o.send("cell_execute", { cellId: cell });
      await o.next((e) => e.type === "cell_status" && e.payload.status === "ready");
    } finally {
      await o.close();
    }
    r = await app.api("GET", "/v1/audit/events?actor=owner", undefined, owner);
    const actions = (r.body.events as any[]).map((
      e,
    ) => [e.action, JSON.parse(e.detailsJson).surface ?? "http"]);
    assert.ok(actions.some(([a, s]) => a === "cell.edit" && s === "ws"), JSON.stringify(actions));
    assert.ok(actions.some(([a]) => a === "cell.execute"), JSON.stringify(actions));
    r = await app.api("GET", "/v1/audit/events?actor=mallory", undefined, owner);
    const denials = (r.body.events as any[]).filter((e) => e.action === "acl.deny");
    assert.equal(denials.length, 3, "HTTP execute, socket execute and socket run-all");
  } finally {
    await app.close();
    await Deno.remove(artifacts, { recursive: true });
  }
});

// Busy-waits 300 ms: CPU work, like a real heavy cell, not an idle timer.
const SLOW = (n: number) =>
  `const t${n} = Date.now();\nwhile (Date.now() - t${n} < 300) {}\nconst v${n} = ${n}`;

Deno.test("service socket - run-all over the socket takes a bulk slot: one tenant's socket flood runs one at a time and another tenant stays fast", async () => {
  const artifacts = await Deno.makeTempDir({ prefix: "strata-svc-ws-fair-" });
  const s = await startServer({
    STRATA_DEPLOYMENT_MODE: "service",
    STRATA_AUTH_MODE: "trusted_proxy",
    STRATA_PROXY_TOKEN: TOKEN,
    STRATA_AUDIT_HMAC_KEY: "s".repeat(40),
    STRATA_ARTIFACT_DIR: artifacts,
    STRATA_MULTI_TENANT_ENABLED: "true",
    STRATA_REQUIRE_TENANT_HEADER: "true",
    STRATA_EXECUTOR_POOL_SIZE: "2",
  });
  const sockets: Awaited<ReturnType<typeof openSocket>>[] = [];
  try {
    const a = as("a@x", ALL, "tenant-a");
    const b = as("b@x", ALL, "tenant-b");
    const flood: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await s.api("POST", "/v1/notebooks/create", { name: `bulk-${i}` }, a);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      for (const source of [SLOW(1), SLOW(2)]) {
        await s.api("POST", `/v1/notebooks/${r.body.sessionId}/cells`, { source }, a);
      }
      flood.push(r.body.sessionId);
    }
    let r = await s.api("POST", "/v1/notebooks/create", { name: "interactive" }, b);
    const bSid = r.body.sessionId;
    r = await s.api("POST", `/v1/notebooks/${bSid}/cells`, { source: "6 * 7" }, b);
    const bCell = r.body.cellId;
    const runB = async () => {
      const t = performance.now();
      const res = await s.api(
        "POST",
        `/v1/notebooks/${bSid}/cells/${bCell}/execute?mode=force`,
        undefined,
        b,
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return performance.now() - t;
    };
    await runB();
    const unloaded = [await runB(), await runB(), await runB()];

    for (const sid of flood) {
      sockets.push(await openSocket(`${s.url.replace("http", "ws")}/v1/notebooks/ws/${sid}`, a));
    }
    const intervals = sockets.map(async (ws) => {
      ws.send("notebook_run_all", { mode: "force" });
      const start = await ws.next((e) =>
        e.type === "cascade_progress" && Array.isArray(e.payload.cells)
      );
      const end = await ws.next(
        (e) => e.type === "notebook_state" && e.seq > start.seq && !e.payload.busy,
        60_000,
      );
      return [Date.parse(start.ts), Date.parse(end.ts)] as const;
    });
    const loaded = [await runB(), await runB(), await runB()];
    const spans = (await Promise.all(intervals)).sort((x, y) => x[0] - y[0]);
    assert.equal(spans.length, 4);
    for (let i = 1; i < spans.length; i++) {
      assert.ok(
        spans[i][0] >= spans[i - 1][1],
        `tenant A's socket run-alls overlap: ${JSON.stringify(spans)} (bulk slot not taken)`,
      );
    }
    const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[1];
    console.log(
      `socket flood: tenant B single-cell run median unloaded ${med(unloaded).toFixed(0)} ms, ` +
        `loaded ${med(loaded).toFixed(0)} ms; tenant A's 4 run-alls ran one at a time over ${
          spans.at(-1)![1] - spans[0][0]
        } ms`,
    );
    assert.ok(med(loaded) < med(unloaded) + 1_500, `loaded ${loaded} vs unloaded ${unloaded}`);
  } finally {
    for (const ws of sockets) await ws.close();
    await s.close();
    await Deno.remove(artifacts, { recursive: true });
  }
});
