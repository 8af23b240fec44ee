import assert from "node:assert/strict";
import { Hono } from "hono";
import { loadConfig } from "../config/load.ts";
import { nullLogger } from "../log.ts";
import { createMetrics } from "../metrics.ts";
import { createReadiness } from "../readiness.ts";
import { NotFoundError } from "../errors.ts";
import type { AppEnv } from "./context.ts";
import { createApp } from "./app.ts";

function makeApp(env: Record<string, string> = {}, mount?: (app: Hono<AppEnv>) => void) {
  const { config } = loadConfig({ HOME: "/h", ...env });
  const readiness = createReadiness({ timeoutMs: 200 });
  const metrics = createMetrics();
  const lines: string[] = [];
  const log = nullLogger();
  log.error = (msg, fields) => lines.push(`${msg} ${JSON.stringify(fields)}`);
  log.child = () => log;
  const app = createApp({
    config,
    log,
    metrics,
    readiness,
    version: "test",
    defaultTenant: { id: "default", hash: "0000" },
    mount,
  });
  return { app, readiness, metrics, lines };
}

const H = { host: "127.0.0.1:8765" };

Deno.test("app - /health answers without touching checks", async () => {
  const { app, readiness } = makeApp();
  let called = false;
  readiness.add("db", () => {
    called = true;
    return { ok: true };
  });
  const res = await app.request("/health", { headers: H });
  assert.equal(res.status, 200);
  assert.equal((await res.json()).status, "ok");
  assert.equal(called, false);
});

Deno.test("app - /ready is 503 naming the failed check, 200 when all pass", async () => {
  const { app, readiness } = makeApp();
  let dbUp = false;
  readiness.add("db", () => (dbUp ? { ok: true } : { ok: false, detail: "connection refused" }));
  readiness.add("slow", () => new Promise(() => {}));
  let res = await app.request("/ready", { headers: H });
  assert.equal(res.status, 503);
  const body = await res.json();
  assert.equal(body.checks.db.detail, "connection refused");
  assert.match(body.checks.slow.detail, /no answer within 200 ms/);
  dbUp = true;
  const { app: app2, readiness: r2 } = makeApp();
  r2.add("db", () => ({ ok: dbUp }));
  res = await app2.request("/ready", { headers: H });
  assert.equal(res.status, 200);
});

Deno.test("app - errors are JSON with a code; 500s hide internals and are logged", async () => {
  const { app, lines } = makeApp({}, (a) => {
    a.get("/v1/missing", () => {
      throw new NotFoundError("Notebook 'x' not found");
    });
    a.get("/v1/boom", () => {
      throw new Error("secret internal detail at /srv/db");
    });
  });
  let res = await app.request("/v1/missing", { headers: H });
  assert.equal(res.status, 404);
  assert.deepEqual((await res.json()).error.code, "not_found");
  res = await app.request("/v1/boom", { headers: H });
  assert.equal(res.status, 500);
  const text = await res.text();
  assert.ok(!text.includes("secret internal detail"));
  assert.match(JSON.parse(text).error.request_id, /^[0-9a-f-]{36}$/);
  assert.equal(lines.length, 1);
  res = await app.request("/nowhere", { headers: H });
  assert.equal(res.status, 404);
  assert.equal((await res.json()).error.code, "not_found");
});

Deno.test("app - oversized bodies get 413", async () => {
  const { app } = makeApp({ STRATA_MAX_BODY_BYTES: "1024" }, (a) => {
    a.post("/v1/echo", async (c) => c.json({ n: (await c.req.text()).length }));
  });
  const ok = await app.request("/v1/echo", { method: "POST", headers: H, body: "x".repeat(100) });
  assert.equal(ok.status, 200);
  const big = await app.request("/v1/echo", { method: "POST", headers: H, body: "x".repeat(5000) });
  assert.equal(big.status, 413);
  assert.equal((await big.json()).error.code, "payload_too_large");
});

Deno.test("app - personal mode refuses foreign Host headers (DNS rebinding)", async () => {
  const { app } = makeApp();
  for (const host of ["evil.example:8765", "127.0.0.1.evil.example", "127.0.0.1:9999"]) {
    const res = await app.request("/v1/anything", { headers: { host } });
    assert.equal(res.status, 403, host);
  }
  for (const host of ["127.0.0.1:8765", "localhost:8765", "localhost"]) {
    const res = await app.request("/health", { headers: { host } });
    assert.equal(res.status, 200, host);
  }
});

Deno.test("app - personal mode refuses cross-site writes and WebSocket upgrades", async () => {
  const { app } = makeApp({}, (a) => {
    a.post("/v1/write", (c) => c.json({ ok: true }));
    a.get("/v1/ws", (c) => c.json({ upgraded: true }));
  });
  const cases: [RequestInit, number][] = [
    [{ method: "POST", headers: { ...H, origin: "https://evil.example" } }, 403],
    [{ method: "POST", headers: { ...H, "sec-fetch-site": "cross-site" } }, 403],
    [{ method: "POST", headers: { ...H, origin: "null" } }, 403],
    [{
      method: "POST",
      headers: { ...H, origin: "http://127.0.0.1:8765", "sec-fetch-site": "same-origin" },
    }, 200],
    [{ method: "POST", headers: H }, 200], // curl / CLI: no Origin at all
  ];
  for (const [init, status] of cases) {
    const res = await app.request("/v1/write", init);
    assert.equal(res.status, status, JSON.stringify(init.headers));
  }
  const ws = await app.request("/v1/ws", {
    headers: { ...H, upgrade: "websocket", origin: "https://evil.example" },
  });
  assert.equal(ws.status, 403);
  const cross = await app.request("/v1/write", {
    method: "GET",
    headers: { ...H, origin: "https://evil.example" },
  });
  assert.equal(cross.status, 404); // reads are allowed through (and here, no GET route)
});

Deno.test("app - /metrics counts requests by route pattern and status", async () => {
  const { app } = makeApp(
    {},
    (a) => a.get("/v1/notebooks/:sid", (c) => c.json({ sid: c.req.param("sid") })),
  );
  await app.request("/v1/notebooks/abc", { headers: H });
  await app.request("/v1/notebooks/def", { headers: H });
  await app.request("/no/such/path", { headers: H });
  const text = await (await app.request("/metrics", { headers: H })).text();
  assert.match(
    text,
    /strata_http_requests_total\{method="GET",route="\/v1\/notebooks\/:sid",status="200"\} 2/,
  );
  assert.match(text, /strata_http_requests_total\{method="GET",route="unmatched",status="404"\} 1/);
  assert.match(text, /strata_http_request_duration_seconds_bucket/);
});
