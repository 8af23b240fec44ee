import assert from "node:assert/strict";
import { Hono } from "hono";
import type { AppEnv } from "./context.ts";
import { StrataError } from "../errors.ts";
import { identity, type IdentityOptions, requireScope, tokenChecker } from "./identity.ts";

const TOKEN = "s3cret-proxy-token-0123456789";
const STATUS: Record<string, number> = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
};

function testApp(options: IdentityOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.onError(function mapError(err, c) {
    if (err instanceof StrataError) {
      return c.json({ error: { code: err.code, message: err.message } }, STATUS[err.code] as 400);
    }
    return c.json({ error: { code: "internal", message: "Internal error" } }, 500);
  });
  app.use(identity({ ...options, exempt: (p) => p === "/health" }));
  app.get("/health", (c) => c.json({ ok: true, identity: c.var.identity.principal }));
  app.get("/whoami", (c) =>
    c.json({
      principal: c.var.identity.principal,
      scopes: [...c.var.identity.scopes],
      source: c.var.identity.source,
    }));
  app.post("/execute", requireScope("notebook:execute"), (c) => c.json({ ran: true }));
  app.post("/cache/clear", requireScope("admin:cache"), (c) => c.json({ cleared: true }));
  return app;
}

const proxy = testApp({ mode: "trusted_proxy", proxyToken: TOKEN });

function proxied(headers: Record<string, string>, path = "/whoami", method = "GET") {
  return proxy.request(path, { method, headers });
}

Deno.test("identity - trusted proxy refuses forged identity headers without the token", async () => {
  const res = await proxied({ "X-Strata-Principal": "mallory", "X-Strata-Scopes": "admin:*" });
  assert.equal(res.status, 401);
  assert.deepEqual(await res.json(), {
    error: { code: "unauthorized", message: "Authentication required" },
  });
});

Deno.test("identity - trusted proxy answers every refusal with the same 401 body", async () => {
  const cases: Array<[string, Record<string, string>]> = [
    ["no headers", {}],
    ["wrong token", { "X-Strata-Proxy-Token": "nope", "X-Strata-Principal": "alice" }],
    ["token prefix", { "X-Strata-Proxy-Token": TOKEN.slice(0, -1), "X-Strata-Principal": "a" }],
    ["token plus suffix", { "X-Strata-Proxy-Token": TOKEN + "x", "X-Strata-Principal": "a" }],
    ["empty token", { "X-Strata-Proxy-Token": "", "X-Strata-Principal": "alice" }],
    ["token in wrong header", { "X-Proxy-Token": TOKEN, "X-Strata-Principal": "alice" }],
    ["no principal", { "X-Strata-Proxy-Token": TOKEN }],
    ["empty principal", { "X-Strata-Proxy-Token": TOKEN, "X-Strata-Principal": "" }],
    ["blank principal", { "X-Strata-Proxy-Token": TOKEN, "X-Strata-Principal": "   " }],
    ["huge principal", { "X-Strata-Proxy-Token": TOKEN, "X-Strata-Principal": "a".repeat(257) }],
  ];
  for (const [name, headers] of cases) {
    const res = await proxied(headers);
    assert.equal(res.status, 401, name);
    const body = await res.text();
    assert.equal(body, '{"error":{"code":"unauthorized","message":"Authentication required"}}');
    assert.ok(!body.includes(TOKEN.slice(0, 8)), `${name}: body must not echo the token`);
  }
});

Deno.test("identity - trusted proxy sets principal and scopes from the headers", async () => {
  const res = await proxied({
    "X-Strata-Proxy-Token": TOKEN,
    "X-Strata-Principal": " alice@example.com ",
    "X-Strata-Scopes": "notebook:read  notebook:write",
  });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {
    principal: "alice@example.com",
    scopes: ["notebook:read", "notebook:write"],
    source: "trusted_proxy",
  });
});

Deno.test("identity - trusted proxy with no scopes header grants no scopes", async () => {
  const res = await proxied({ "X-Strata-Proxy-Token": TOKEN, "X-Strata-Principal": "bob" });
  assert.deepEqual((await res.json()).scopes, []);
});

Deno.test("identity - exempt probe paths answer without any headers", async () => {
  const res = await proxied({}, "/health");
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { ok: true, identity: null });
});

Deno.test("identity - exempt paths ignore forged identity headers", async () => {
  const res = await proxied({ "X-Strata-Principal": "mallory" }, "/health");
  assert.deepEqual(await res.json(), { ok: true, identity: null });
});

Deno.test("identity - header names are configurable", async () => {
  const app = testApp({
    mode: "trusted_proxy",
    proxyToken: TOKEN,
    proxyTokenHeader: "X-Edge-Secret",
    principalHeader: "X-Edge-User",
    scopesHeader: "X-Edge-Scopes",
  });
  const ok = await app.request("/whoami", {
    headers: { "X-Edge-Secret": TOKEN, "X-Edge-User": "carol", "X-Edge-Scopes": "admin:*" },
  });
  assert.equal(ok.status, 200);
  assert.deepEqual((await ok.json()).scopes, ["admin:*"]);
  const old = await app.request("/whoami", {
    headers: { "X-Strata-Proxy-Token": TOKEN, "X-Strata-Principal": "carol" },
  });
  assert.equal(old.status, 401);
});

Deno.test("identity - a user without notebook:execute gets 403 naming the scope", async () => {
  const res = await proxied(
    {
      "X-Strata-Proxy-Token": TOKEN,
      "X-Strata-Principal": "reader",
      "X-Strata-Scopes": "notebook:read notebook:write",
    },
    "/execute",
    "POST",
  );
  assert.equal(res.status, 403);
  assert.deepEqual(await res.json(), {
    error: { code: "forbidden", message: "Missing scope 'notebook:execute'" },
  });
});

Deno.test("identity - scope checks honour wildcards and nothing more", async () => {
  const table: Array<[string, string, number]> = [
    ["notebook:execute", "/execute", 200],
    ["notebook:*", "/execute", 200],
    ["admin:*", "/execute", 403],
    ["admin:*", "/cache/clear", 200],
    ["admin:cache", "/cache/clear", 200],
    ["admin:tenants", "/cache/clear", 403],
    ["notebook:*", "/cache/clear", 403],
    ["*", "/cache/clear", 403], // "*" is never accepted from a header
    ["admin:* notebook:*", "/execute", 200],
  ];
  for (const [scopes, path, want] of table) {
    const res = await proxied(
      {
        "X-Strata-Proxy-Token": TOKEN,
        "X-Strata-Principal": "someone",
        "X-Strata-Scopes": scopes,
      },
      path,
      "POST",
    );
    assert.equal(res.status, want, `${scopes} on ${path}`);
    await res.body?.cancel();
  }
});

Deno.test("identity - personal mode grants everything to an anonymous caller", async () => {
  const app = testApp({ mode: "personal" });
  const res = await app.request("/whoami", { headers: { "X-Strata-Principal": "mallory" } });
  assert.deepEqual(await res.json(), { principal: null, scopes: ["*"], source: "personal" });
  assert.equal((await app.request("/cache/clear", { method: "POST" })).status, 200);
});

Deno.test("identity - shared personal mode takes the principal from the user header", async () => {
  const app = testApp({ mode: "personal", userHeader: "X-Forwarded-User" });
  const named = await app.request("/whoami", { headers: { "X-Forwarded-User": "dana" } });
  assert.deepEqual(await named.json(), {
    principal: "dana",
    scopes: ["*"],
    source: "personal_user_header",
  });
  const anonymous: Array<Record<string, string>> = [
    {},
    { "X-Forwarded-User": "" },
    { "X-Forwarded-User": "  " },
  ];
  for (const headers of anonymous) {
    const anon = await app.request("/whoami", { headers });
    assert.deepEqual(await anon.json(), { principal: null, scopes: ["*"], source: "personal" });
  }
});

Deno.test("identity - requireScope without identity middleware fails closed", async () => {
  const app = new Hono<AppEnv>();
  app.onError((_err, c) => c.text("internal", 500));
  app.post("/execute", requireScope("notebook:execute"), (c) => c.text("ran"));
  const res = await app.request("/execute", { method: "POST" });
  assert.equal(res.status, 500);
});

Deno.test("identity - options are validated when the factory is called", () => {
  assert.throws(() => identity({ mode: "trusted_proxy", proxyToken: "" }), /proxyToken/);
  assert.throws(
    () => identity({ mode: "trusted_proxy", proxyToken: TOKEN, principalHeader: "Bad Header" }),
    /principalHeader/,
  );
  assert.throws(() => identity({ mode: "personal", userHeader: "x\n" }), /userHeader/);
  assert.throws(() => identity({ mode: "nope" } as unknown as IdentityOptions), /unknown mode/);
  // deno-lint-ignore no-explicit-any
  assert.throws(() => requireScope("notebook:delete" as any), /unknown scope/);
});

Deno.test("identity - tokenChecker accepts only the exact secret", async () => {
  const check = tokenChecker("abc");
  const table: Array<[string | undefined, boolean]> = [
    ["abc", true],
    ["abd", false],
    ["ab", false],
    ["abcd", false],
    ["", false],
    [undefined, false],
    ["ABC", false],
  ];
  for (const [presented, want] of table) {
    assert.equal(await check(presented), want, String(presented));
  }
});
