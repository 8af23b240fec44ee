// deno-lint-ignore-file no-explicit-any -- JSON answers of the HTTP API are read untyped
// GET /v1/notebooks/{sid}/export as an attacker tries it in service mode: without the read scope,
// denied by the ACL, from another tenant. In-process app built like main.ts.
import assert from "node:assert/strict";
import { loadConfig } from "../lib/config/load.ts";
import { createLogger } from "../lib/log.ts";
import { createMetrics } from "../lib/metrics.ts";
import { createReadiness } from "../lib/readiness.ts";
import { createServices } from "../lib/services.ts";
import { tenantRegistry } from "../lib/tenancy/registry.ts";
import { createApp } from "../lib/http/app.ts";
import { DEFAULT_TENANT_ID, tenantHash } from "../lib/tenancy/tenant_id.ts";
import { buildApiDeps, mountApi } from "../routes/api/mod.ts";

const TOKEN = "export-test-proxy-token-0123";
const ALL = "notebook:read notebook:write notebook:execute";

function who(principal: string, scopes: string, tenant: string): Record<string, string> {
  return {
    "X-Strata-Proxy-Token": TOKEN,
    "X-Strata-Principal": principal,
    "X-Strata-Scopes": scopes,
    "X-Tenant-ID": tenant,
  };
}

Deno.test("export api - scope, ACL and tenant checks; secrets stay out of every format", async () => {
  const dir = await Deno.makeTempDir({ prefix: "strata-export-api-" });
  const acl = {
    default: "deny",
    deny: [{ principal: "eve", resource: "notebooks/**" }],
    allow: [{ resource: "notebooks/**" }],
  };
  const env: Record<string, string> = {
    HOME: dir,
    STRATA_DATA_DIR: `${dir}/data`,
    STRATA_NOTEBOOK_STORAGE_DIR: `${dir}/notebooks`,
    STRATA_ARTIFACT_DIR: `${dir}/artifacts`,
    STRATA_DEPLOYMENT_MODE: "service",
    STRATA_AUTH_MODE: "trusted_proxy",
    STRATA_PROXY_TOKEN: TOKEN,
    STRATA_AUDIT_HMAC_KEY: "e".repeat(40),
    STRATA_EXECUTOR_POOL_SIZE: "1",
    STRATA_LOG_LEVEL: "error",
    STRATA_MULTI_TENANT_ENABLED: "true",
    STRATA_ACL_CONFIG: JSON.stringify(acl),
    PATH: Deno.env.get("PATH") ?? "",
  };
  const { config } = loadConfig(env);
  const log = createLogger({ level: "error" });
  const metrics = createMetrics();
  const tenants = tenantRegistry({ max: config.maxTenants });
  const services = await createServices({ config, env, log, metrics });
  const app = createApp({
    config,
    log,
    metrics,
    readiness: createReadiness(),
    version: "test",
    defaultTenant: { id: DEFAULT_TENANT_ID, hash: await tenantHash(DEFAULT_TENANT_ID) },
    tenants,
    mount: (a) => mountApi(a, buildApiDeps({ config, services, tenants })),
  });
  const call = async (method: string, path: string, h: Record<string, string>, body?: unknown) => {
    const res = await app.request(path, {
      method,
      headers: { "content-type": "application/json", ...h },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: any = text;
    try {
      parsed = JSON.parse(text);
    } catch { /* not JSON */ }
    return { status: res.status, body: parsed, text };
  };
  try {
    const alice = who("alice", ALL, "team-a");
    let r = await call("POST", "/v1/notebooks/create", alice, { name: "quarterly" });
    assert.equal(r.status, 201, r.text);
    const sid = r.body.sessionId;
    const secret = "sk-live-0123456789abcdef";
    r = await call("PUT", `/v1/notebooks/${sid}/env`, alice, { values: { STRIPE_KEY: secret } });
    assert.equal(r.status, 200, r.text);
    r = await call("POST", `/v1/notebooks/${sid}/cells`, alice, {
      source:
        'const key = Deno.env.get("STRIPE_KEY") ?? "";\nconsole.log(key);\n`${key.slice(0, 3)}…`',
    });
    assert.equal(r.status, 201, r.text);
    r = await call("POST", `/v1/notebooks/${sid}/run-all`, alice);
    assert.equal(r.body.run.ok, true, r.text);

    for (const format of ["html", "ipynb", "script"]) {
      const ok = await call("GET", `/v1/notebooks/${sid}/export?format=${format}`, alice);
      assert.equal(ok.status, 200, ok.text);
      assert.ok(ok.text.length > 200);
      assert.ok(!ok.text.includes(secret), `${format} export leaks the secret`);
      // Service mode: no server folder in any export.
      assert.ok(!ok.text.includes(dir), `${format} export names a server path`);
    }
    const html = (await call("GET", `/v1/notebooks/${sid}/export?format=html`, alice)).text;
    assert.match(html, /\[secret:STRIPE_KEY\]/);
    assert.match(html, /<dt>by<\/dt><dd>alice<\/dd>/);

    // No read scope: 403. ACL denial and another tenant: 404, as if the notebook did not exist.
    const noRead = await call(
      "GET",
      `/v1/notebooks/${sid}/export`,
      who("mallory", "notebook:execute", "team-a"),
    );
    assert.equal(noRead.status, 403, noRead.text);
    const denied = await call("GET", `/v1/notebooks/${sid}/export`, who("eve", ALL, "team-a"));
    assert.equal(denied.status, 404, denied.text);
    const otherTenant = await call(
      "GET",
      `/v1/notebooks/${sid}/export`,
      who("alice", ALL, "team-b"),
    );
    assert.equal(otherTenant.status, 404, otherTenant.text);
    for (const bad of [noRead, denied, otherTenant]) assert.ok(!bad.text.includes("STRIPE_KEY"));
  } finally {
    await services.close();
    await Deno.remove(dir, { recursive: true });
  }
});
