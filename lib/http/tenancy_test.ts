import assert from "node:assert/strict";
import { Hono } from "hono";
import type { AppEnv } from "./context.ts";
import { StrataError, ValidationError } from "../errors.ts";
import { tenancy, type TenancyOptions } from "./tenancy.ts";
import { tenantRegistry } from "../tenancy/registry.ts";
import { DEFAULT_TENANT_ID, tenantHash, validateTenantId } from "../tenancy/tenant_id.ts";

const STATUS: Record<string, number> = { invalid_request: 400, unauthorized: 401 };

function testApp(options: TenancyOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.onError(function mapError(err, c) {
    if (err instanceof StrataError) {
      return c.json({ error: { code: err.code, message: err.message } }, STATUS[err.code] as 400);
    }
    return c.json({ error: { code: "internal", message: "Internal error" } }, 500);
  });
  app.use(tenancy({ ...options, exempt: (p) => p === "/health" }));
  app.get("/health", (c) => c.json(c.var.tenant));
  app.get("/t", (c) => c.json(c.var.tenant));
  return app;
}

const multi = testApp({ enabled: true, required: true });

Deno.test("tenancy - invalid tenant ids fail validation naming the rule", () => {
  const bad = [
    "",
    "_x",
    "-x",
    "a".repeat(65),
    "team a",
    " team",
    "tëam",
    "团队",
    "team\n",
    "team\u0000",
    "a/b",
    "a.b",
    "../x",
  ];
  for (const id of bad) {
    assert.throws(() => validateTenantId(id), (err) => {
      assert.ok(err instanceof ValidationError, JSON.stringify(id));
      assert.match(err.message, /1-64 characters of \[A-Za-z0-9_-\]/);
      return true;
    });
  }
  for (const id of ["a", "A1", "team-a", "team_a", "0", "a".repeat(64), "x-_-_"]) {
    assert.equal(validateTenantId(id), id);
  }
});

Deno.test("tenancy - sendable invalid tenant headers answer 400 naming the rule", async () => {
  // Newline, NUL and non-Latin-1 text cannot travel in a header at all (the Headers API refuses
  // them), so those are covered by validateTenantId above.
  const bad = ["_x", "-x", "a".repeat(65), "team a", "tëam", "a/b", "a.b", "team\ta", ""];
  for (const id of bad) {
    const res = await multi.request("/t", { headers: { "X-Tenant-ID": id } });
    assert.equal(res.status, 400, JSON.stringify(id));
    const body = await res.json();
    assert.equal(body.error.code, "invalid_request");
    assert.match(body.error.message, /Invalid tenant id .*1-64 characters/, JSON.stringify(id));
  }
  for (const unsendable of ["te\nam", "team\u0000", "团队"]) {
    assert.throws(() => new Headers({ "X-Tenant-ID": unsendable }), TypeError);
  }
  // Surrounding whitespace (including a trailing newline) is stripped by HTTP itself, so the
  // tenant is the trimmed value rather than an error.
  const res = await multi.request("/t", { headers: { "X-Tenant-ID": "team\n" } });
  assert.equal((await res.json()).id, "team");
});

Deno.test("tenancy - missing header when required answers 400", async () => {
  const res = await multi.request("/t");
  assert.equal(res.status, 400);
  assert.deepEqual(await res.json(), {
    error: { code: "invalid_request", message: "Tenant header X-Tenant-ID is required" },
  });
});

Deno.test("tenancy - valid tenant is set with its hash from either header", async () => {
  const want = { id: "team-a", hash: await tenantHash("team-a") };
  for (const name of ["X-Tenant-ID", "X-Strata-Tenant", "x-tenant-id"]) {
    const res = await multi.request("/t", { headers: { [name]: "team-a" } });
    assert.equal(res.status, 200, name);
    assert.deepEqual(await res.json(), want);
  }
  const both = await multi.request("/t", {
    headers: { "X-Tenant-ID": "team-a", "X-Strata-Tenant": "team-a" },
  });
  assert.deepEqual(await both.json(), want);
});

Deno.test("tenancy - disagreeing tenant headers answer 400", async () => {
  const res = await multi.request("/t", {
    headers: { "X-Tenant-ID": "team-a", "X-Strata-Tenant": "team-b" },
  });
  assert.equal(res.status, 400);
  assert.match((await res.json()).error.message, /disagree/);
});

Deno.test("tenancy - header names are configurable", async () => {
  const app = testApp({ enabled: true, required: true, header: "X-Org", altHeader: "X-Team" });
  assert.equal((await app.request("/t", { headers: { "X-Org": "acme" } })).status, 200);
  assert.equal((await app.request("/t", { headers: { "X-Team": "acme" } })).status, 200);
  const res = await app.request("/t", { headers: { "X-Tenant-ID": "acme" } });
  assert.equal(res.status, 400);
  assert.equal((await res.json()).error.message, "Tenant header X-Org is required");
});

Deno.test("tenancy - optional tenant falls back to the default tenant", async () => {
  const app = testApp({ enabled: true, required: false });
  const res = await app.request("/t");
  assert.deepEqual(await res.json(), {
    id: DEFAULT_TENANT_ID,
    hash: await tenantHash(DEFAULT_TENANT_ID),
  });
  assert.equal((await app.request("/t", { headers: { "X-Tenant-ID": "_x" } })).status, 400);
});

Deno.test("tenancy - disabled ignores tenant headers entirely", async () => {
  const app = testApp({ enabled: false, required: false });
  for (const headers of [{}, { "X-Tenant-ID": "team-a" }, { "X-Tenant-ID": "_bad" }]) {
    const res = await app.request("/t", { headers: headers as Record<string, string> });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).id, DEFAULT_TENANT_ID);
  }
});

Deno.test("tenancy - exempt probes need no tenant header", async () => {
  const res = await multi.request("/health");
  assert.equal(res.status, 200);
  assert.equal((await res.json()).id, DEFAULT_TENANT_ID);
});

Deno.test("tenancy - valid requests are recorded in the registry", async () => {
  let t = 1_000;
  const registry = tenantRegistry({ max: 10, now: () => t });
  const app = testApp({ enabled: true, required: true, registry });
  await app.request("/t", { headers: { "X-Tenant-ID": "team-a" } });
  t = 2_000;
  await app.request("/t", { headers: { "X-Tenant-ID": "team-a" } });
  await app.request("/t", { headers: { "X-Tenant-ID": "_bad" } });
  await app.request("/t");
  assert.deepEqual(registry.list(), [
    {
      id: "team-a",
      hash: await tenantHash("team-a"),
      firstSeen: 1_000,
      lastSeen: 2_000,
      requests: 2,
    },
  ]);
});

Deno.test("tenancy - required without enabled is refused at construction", () => {
  assert.throws(() => tenancy({ enabled: false, required: true }), /required needs enabled/);
});
