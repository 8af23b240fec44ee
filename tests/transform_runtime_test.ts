// Transforms run through the one run path: in a multi-tenant service-mode server a transform's
// `@worker` cell runs on that worker, and /metrics labels its runs with the tenant hash only.
import assert from "node:assert/strict";
import { runWorker } from "../lib/worker/run.ts";
import { tenantHash } from "../lib/tenancy/tenant_id.ts";
import { startServer } from "./_server.ts";

const PROXY = "transform-runtime-proxy-token-01";
const WORKER = "transform-worker-token-0123456789";

Deno.test("transform runtime - a @worker cell materialized by a transform runs on that worker; metrics show tenant hashes only", async () => {
  const scratch = await Deno.makeTempDir({ prefix: "strata-tw-" });
  const artifacts = await Deno.makeTempDir({ prefix: "strata-tw-art-" });
  const worker = await runWorker({
    host: "127.0.0.1",
    port: 0,
    token: WORKER,
    scratchRoot: scratch,
    name: "w1",
    childEnv: { HOME: Deno.env.get("HOME") ?? scratch },
  });
  const s = await startServer({
    STRATA_DEPLOYMENT_MODE: "service",
    STRATA_AUTH_MODE: "trusted_proxy",
    STRATA_PROXY_TOKEN: PROXY,
    STRATA_AUDIT_HMAC_KEY: "t".repeat(40),
    STRATA_ARTIFACT_DIR: artifacts,
    STRATA_MULTI_TENANT_ENABLED: "true",
    STRATA_WORKER_W1_TOKEN: WORKER,
    STRATA_OUTBOUND_HOSTS: `127.0.0.1:${worker.addr.port}`,
    STRATA_TRANSFORMS: JSON.stringify({ where: { notebook: "reports", cell: "where" } }),
  });
  const tenant = "team-secretive";
  const h = {
    "X-Strata-Proxy-Token": PROXY,
    "X-Strata-Principal": "ana",
    "X-Strata-Scopes": "notebook:*",
    "X-Tenant-ID": tenant,
  };
  try {
    let r = await s.api("POST", "/v1/notebooks/create", { name: "reports" }, h);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const dir = `${s.dir}/notebooks/tenants/${await tenantHash(tenant)}/reports`;
    await Deno.writeTextFile(
      `${dir}/notebook.toml`,
      (await Deno.readTextFile(`${dir}/notebook.toml`)) +
        `\n[[workers]]\nname = "w1"\nurl = "${worker.url}"\ntoken_env = "STRATA_WORKER_W1_TOKEN"\n`,
    );
    r = await s.api("POST", "/v1/notebooks/open", { path: "reports" }, h);
    r = await s.api("POST", `/v1/notebooks/${r.body.sessionId}/cells`, {
      source: "// @name where\n// @worker w1\nDeno.cwd()",
    }, h);
    assert.equal(r.status, 201, JSON.stringify(r.body));

    r = await s.api("POST", "/v1/materialize", { transform: "where" }, h);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.cacheHit, false);
    const res = await fetch(`${s.url}${r.body.streamUrl}`, {
      headers: { ...h, host: new URL(s.url).host },
    });
    assert.equal(res.status, 200);
    const result = await res.json();
    const cwd = result.displays[0].data as string;
    assert.ok(
      cwd.includes(await Deno.realPath(scratch)),
      `the transform's @worker cell ran on the worker, got ${cwd}`,
    );

    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    const hash = await tenantHash(tenant);
    assert.match(metrics, new RegExp(`strata_cell_executions_total\\{[^}]*tenant="${hash}"`));
    assert.ok(!metrics.includes(tenant), "no raw tenant id in /metrics");
  } finally {
    await s.close();
    await worker.shutdown();
    await Deno.remove(scratch, { recursive: true });
    await Deno.remove(artifacts, { recursive: true });
  }
});
