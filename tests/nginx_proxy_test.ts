// deno-lint-ignore-file no-explicit-any -- JSON answers of the HTTP API are read untyped
// Service mode through a real nginx running deploy/nginx/strata-demo.conf (rendered with test
// ports and folders), in front of a real Strata process. A third, test-only server block forwards
// client headers untouched, standing in for a path that bypasses identity injection.
// Set STRATA_TEST_SKIP_NGINX=1 to skip when nginx cannot run; otherwise a missing nginx fails.
import assert from "node:assert/strict";
import { freePort, startServer, type TestServer } from "./_server.ts";
import { runNginx } from "./_nginx.ts";

const TOKEN = "nginx-test-proxy-token-0123456789";
const TEMPLATE = new URL("../deploy/nginx/strata-demo.conf", import.meta.url);
const skip = Deno.env.get("STRATA_TEST_SKIP_NGINX") === "1";
const ACL = {
  default: "deny",
  deny: [{ principal: "mallory", resource: "notebooks/**" }],
  allow: [
    { principal: "demo-*", resource: "notebooks/**" },
    { principal: "mallory", resource: "notebooks/**" },
    { principal: "carol", resource: "notebooks/open-*" },
    { principal: "tenant-*", resource: "notebooks/**" },
    { principal: "demo-admin", resource: "admin/*" },
  ],
};

/** Renders the demo template: every @NAME@ marker must be given a value. */
export function renderDemoConfig(template: string, values: Record<string, string>): string {
  const out = template.replace(/@([A-Z_]+)@/g, (m, name: string) => {
    if (!(name in values)) throw new Error(`strata-demo.conf: no value for ${m}`);
    return values[name];
  });
  return out;
}

interface Proxy {
  userUrl: string;
  adminUrl: string;
  rawUrl: string;
  stop(): Promise<void>;
}

async function startNginx(upstreamPort: number): Promise<Proxy> {
  const prefix = await Deno.makeTempDir({ prefix: "strata-nginx-" });
  // nginx started as root runs its worker as nobody, which must reach the temp folders.
  await Deno.chmod(prefix, 0o755);
  const [user, admin, raw] = [freePort(), freePort(), freePort()];
  const rendered = renderDemoConfig(await Deno.readTextFile(TEMPLATE), {
    PREFIX: prefix,
    USER_PORT: String(user),
    ADMIN_PORT: String(admin),
    UPSTREAM: `127.0.0.1:${upstreamPort}`,
    PROXY_TOKEN: TOKEN,
    TENANT: "demo-team",
  });
  // Test-only: a block that forwards whatever the client sent (no identity injection).
  const passthrough = `
    server {
        listen 127.0.0.1:${raw};
        location / { proxy_pass http://strata; proxy_http_version 1.1; }
    }
}
`;
  const config = rendered.replace(/}\s*$/, passthrough);
  await Deno.writeTextFile(`${prefix}/nginx.conf`, config);
  const nginx = await runNginx(prefix, [user, admin, raw]);
  return {
    userUrl: `http://127.0.0.1:${user}`,
    adminUrl: `http://127.0.0.1:${admin}`,
    rawUrl: `http://127.0.0.1:${raw}`,
    async stop() {
      await nginx.stop();
      await Deno.remove(prefix, { recursive: true });
    },
  };
}

async function call(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(url + path, {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = JSON.parse(text);
  } catch { /* not JSON */ }
  return { status: res.status, body: parsed, headers: res.headers };
}

async function stack(): Promise<{ strata: TestServer; proxy: Proxy; close(): Promise<void> }> {
  const artifacts = await Deno.makeTempDir({ prefix: "strata-nginx-art-" });
  const strata = await startServer({
    STRATA_DEPLOYMENT_MODE: "service",
    STRATA_AUTH_MODE: "trusted_proxy",
    STRATA_PROXY_TOKEN: TOKEN,
    STRATA_AUDIT_HMAC_KEY: "n".repeat(40),
    STRATA_ARTIFACT_DIR: artifacts,
    STRATA_MULTI_TENANT_ENABLED: "true",
    STRATA_REQUIRE_TENANT_HEADER: "true",
    STRATA_RATE_LIMIT_BURST: "40",
    STRATA_RATE_LIMIT_REQUESTS_PER_SECOND: "1",
    STRATA_ACL_CONFIG: JSON.stringify(ACL),
  });
  let proxy: Proxy;
  try {
    proxy = await startNginx(strata.port);
  } catch (err) {
    await strata.close();
    throw err;
  }
  return {
    strata,
    proxy,
    async close() {
      await proxy.stop();
      await strata.close();
      await Deno.remove(artifacts, { recursive: true });
    },
  };
}

Deno.test({
  name:
    "nginx proxy - demo identities: the user runs cells, the admin administers, forged headers are replaced",
  ignore: skip,
  async fn() {
    const { proxy, close } = await stack();
    try {
      const { userUrl, adminUrl } = proxy;
      let r = await call(userUrl, "POST", "/v1/notebooks/create", { name: "via-proxy" });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const sid = r.body.sessionId;
      r = await call(userUrl, "POST", `/v1/notebooks/${sid}/cells`, { source: "const n = 6 * 7" });
      const cell = r.body.cellId;
      r = await call(userUrl, "POST", `/v1/notebooks/${sid}/cells/${cell}/execute`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.run.ok, true);
      assert.ok(r.headers.get("x-ratelimit-limit"), "rate-limit headers pass through nginx");

      // A client of the user port claiming to be an admin of another tenant gets nothing for it.
      const forged = {
        "X-Strata-Principal": "demo-admin",
        "X-Strata-Scopes": "admin:* notebook:*",
        "X-Tenant-ID": "other-team",
        "X-Strata-Tenant": "other-team",
        "X-Strata-Proxy-Token": "whatever",
      };
      r = await call(userUrl, "GET", "/v1/admin/tenants", undefined, forged);
      assert.equal(r.status, 403, "still demo-user: no admin scopes");
      r = await call(userUrl, "GET", `/v1/notebooks/${sid}`, undefined, forged);
      assert.equal(r.status, 200, "still tenant demo-team: its session is visible");

      r = await call(adminUrl, "GET", "/v1/admin/tenants");
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body.tenants.map((t: any) => t.id), ["demo-team"]);
      r = await call(adminUrl, "GET", "/v1/audit/verify");
      assert.equal(r.status, 200);
      assert.equal(r.body.ok, true);
      r = await call(userUrl, "GET", "/v1/audit/verify");
      assert.equal(r.status, 403, "audit verify needs admin:audit");
      r = await call(adminUrl, "GET", "/v1/audit/events?action=cell.execute");
      assert.ok(
        r.body.events.some((e: any) => e.actor === "demo-user"),
        "runs are attributed to demo-user",
      );
    } finally {
      await close();
    }
  },
});

Deno.test({
  name:
    "nginx proxy - without identity injection: forged headers, a wrong token and an empty principal answer 401",
  ignore: skip,
  async fn() {
    const { proxy, close } = await stack();
    try {
      const raw = proxy.rawUrl;
      const cases: [string, Record<string, string>][] = [
        ["forged identity, no token", {
          "X-Strata-Principal": "demo-admin",
          "X-Strata-Scopes": "admin:*",
          "X-Tenant-ID": "demo-team",
        }],
        ["wrong token", {
          "X-Strata-Proxy-Token": "not-the-token-at-all",
          "X-Strata-Principal": "demo-admin",
          "X-Tenant-ID": "demo-team",
        }],
        ["empty principal", {
          "X-Strata-Proxy-Token": TOKEN,
          "X-Strata-Principal": "",
          "X-Tenant-ID": "demo-team",
        }],
        ["blank principal", {
          "X-Strata-Proxy-Token": TOKEN,
          "X-Strata-Principal": "  ",
          "X-Tenant-ID": "demo-team",
        }],
      ];
      for (const [what, headers] of cases) {
        const r = await call(raw, "GET", "/v1/admin/tenants", undefined, headers);
        assert.equal(r.status, 401, what);
        assert.equal(r.body.error.code, "unauthorized");
        assert.equal(r.body.error.message, "Authentication required");
      }
      // With the token, the tenant rule applies to what actually reached Strata.
      const base = {
        "X-Strata-Proxy-Token": TOKEN,
        "X-Strata-Principal": "p",
        "X-Strata-Scopes": "admin:*",
      };
      for (const bad of ["_x", "-x", "a".repeat(65), "a b"]) {
        const r = await call(raw, "GET", "/v1/admin/tenants", undefined, {
          ...base,
          "X-Tenant-ID": bad,
        });
        assert.equal(r.status, 400, JSON.stringify(bad));
        assert.match(r.body.error.message, /Invalid tenant id .*use 1-64 characters/);
      }
      const missing = await call(raw, "GET", "/v1/admin/tenants", undefined, base);
      assert.equal(missing.status, 400);
      assert.match(missing.body.error.message, /Tenant header X-Tenant-ID is required/);
    } finally {
      await close();
    }
  },
});

Deno.test({
  name: "nginx proxy - 429 with Retry-After reaches the client, probes answer while it is limited",
  ignore: skip,
  async fn() {
    const { proxy, close } = await stack();
    try {
      const flooder = {
        "X-Strata-Proxy-Token": TOKEN,
        "X-Strata-Principal": "flooder",
        "X-Strata-Scopes": "notebook:read",
        "X-Tenant-ID": "demo-team",
      };
      let limited: Awaited<ReturnType<typeof call>> | undefined;
      for (let i = 0; i < 80 && !limited; i++) {
        const r = await call(
          proxy.rawUrl,
          "GET",
          "/v1/notebooks/no-such-session",
          undefined,
          flooder,
        );
        assert.ok(r.status === 404 || r.status === 429, String(r.status));
        if (r.status === 429) limited = r;
      }
      assert.ok(limited, "limited within 80 requests at burst 40, 1/s");
      assert.ok(Number(limited.headers.get("retry-after")) >= 1);
      assert.equal(limited.headers.get("x-ratelimit-limit"), "40");
      assert.equal(limited.body.error.code, "rate_limited");
      for (const probe of ["/health", "/ready", "/metrics"]) {
        const r = await call(proxy.userUrl, "GET", probe);
        assert.equal(r.status, 200, `${probe} through nginx`);
      }
      const user = await call(proxy.userUrl, "GET", "/v1/notebooks/no-such-session");
      assert.equal(user.status, 404, "demo-user has its own bucket");
    } finally {
      await close();
    }
  },
});

Deno.test({
  name:
    "nginx proxy - scopes, deny-first ACL, default deny and tenant isolation hold behind the proxy",
  ignore: skip,
  async fn() {
    const { proxy, close } = await stack();
    try {
      const raw = proxy.rawUrl;
      const as = (principal: string, scopes: string, tenant = "demo-team") => ({
        "X-Strata-Proxy-Token": TOKEN,
        "X-Strata-Principal": principal,
        "X-Strata-Scopes": scopes,
        "X-Tenant-ID": tenant,
      });
      // Scope: demo-user (through its port) creates; a reader without notebook:execute cannot run.
      let r = await call(proxy.userUrl, "POST", "/v1/notebooks/create", { name: "shared" });
      const sid = r.body.sessionId;
      r = await call(proxy.userUrl, "POST", `/v1/notebooks/${sid}/cells`, { source: "1 + 1" });
      const cell = r.body.cellId;
      r = await call(
        raw,
        "POST",
        `/v1/notebooks/${sid}/cells/${cell}/execute`,
        undefined,
        as("demo-reader", "notebook:read"),
      );
      assert.equal(r.status, 403);
      assert.match(r.body.error.message, /Missing scope 'notebook:execute'/);

      // Deny beats allow: mallory matches an allow rule, but the deny rule is checked first.
      r = await call(
        raw,
        "POST",
        "/v1/notebooks/open",
        { path: "shared" },
        as("mallory", "notebook:*"),
      );
      assert.equal(r.status, 404);
      // Default deny: carol is allowed only notebooks/open-*.
      r = await call(
        raw,
        "POST",
        "/v1/notebooks/create",
        { name: "closed" },
        as("carol", "notebook:*"),
      );
      assert.equal(r.status, 404);
      r = await call(
        raw,
        "POST",
        "/v1/notebooks/create",
        { name: "open-1" },
        as("carol", "notebook:*"),
      );
      assert.equal(r.status, 201);

      // Tenant isolation for byte-identical cells.
      const sources = ["const k = 5", "k * 3"];
      const runs = [];
      const sids = [];
      for (const tenant of ["tenant-a", "tenant-b"]) {
        const h = as(`tenant-${tenant}`, "notebook:*", tenant);
        r = await call(raw, "POST", "/v1/notebooks/create", { name: "twin" }, h);
        assert.equal(r.status, 201, JSON.stringify(r.body));
        sids.push(r.body.sessionId);
        for (const source of sources) {
          await call(raw, "POST", `/v1/notebooks/${r.body.sessionId}/cells`, { source }, h);
        }
        r = await call(raw, "POST", `/v1/notebooks/${r.body.sessionId}/run-all`, undefined, h);
        runs.push(r.body.run.cells.map((c: any) => c.cacheHit));
      }
      assert.deepEqual(runs, [[false, false], [false, false]], "the second tenant's run is a miss");
      r = await call(
        raw,
        "GET",
        `/v1/notebooks/${sids[0]}`,
        undefined,
        as("tenant-x", "notebook:*", "tenant-b"),
      );
      assert.equal(r.status, 404, "tenant-a's session from tenant-b");
    } finally {
      await close();
    }
  },
});
