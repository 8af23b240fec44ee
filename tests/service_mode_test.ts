// deno-lint-ignore-file no-explicit-any -- JSON answers of the HTTP API are read untyped
// Service mode, directly against real server processes (the same checks run through nginx in
// nginx_proxy_test.ts), plus materialize/streams on an in-process app built like main.ts.
import assert from "node:assert/strict";
import { deserialize } from "node:v8";
import { startServer, type TestServer } from "./_server.ts";
import { inProcessApp } from "./_app.ts";
import { tenantHash, validateTenantId } from "../lib/tenancy/tenant_id.ts";
import { ValidationError } from "../lib/errors.ts";

const TOKEN = "service-test-proxy-token-0123";
const TENANT_RULE = /use 1-64 characters of \[A-Za-z0-9_-\], starting with a letter or digit/;

/** Headers a trusted proxy would inject. */
function who(
  principal: string,
  scopes: string,
  tenant?: string,
  token: string = TOKEN,
): Record<string, string> {
  const h: Record<string, string> = {
    "X-Strata-Proxy-Token": token,
    "X-Strata-Principal": principal,
    "X-Strata-Scopes": scopes,
  };
  if (tenant !== undefined) h["X-Tenant-ID"] = tenant;
  return h;
}

async function serviceServer(
  extra: Record<string, string> = {},
): Promise<TestServer & { artifacts: string }> {
  const artifacts = await Deno.makeTempDir({ prefix: "strata-svc-art-" });
  const s = await startServer({
    STRATA_DEPLOYMENT_MODE: "service",
    STRATA_AUTH_MODE: "trusted_proxy",
    STRATA_PROXY_TOKEN: TOKEN,
    STRATA_AUDIT_HMAC_KEY: "a".repeat(40),
    STRATA_ARTIFACT_DIR: artifacts,
    ...extra,
  });
  return {
    ...s,
    artifacts,
    async close() {
      await s.close();
      await Deno.remove(artifacts, { recursive: true });
    },
  };
}

const ALL = "notebook:read notebook:write notebook:execute";

async function newNotebook(
  s: TestServer,
  name: string,
  h: Record<string, string>,
  cells: string[],
) {
  const r = await s.api("POST", "/v1/notebooks/create", { name }, h);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const sid = r.body.sessionId as string;
  const ids: string[] = [];
  for (const source of cells) {
    const c = await s.api("POST", `/v1/notebooks/${sid}/cells`, { source }, h);
    assert.equal(c.status, 201, JSON.stringify(c.body));
    ids.push(c.body.cellId);
  }
  return { sid, ids };
}

Deno.test("service mode - forged identity without the token, a wrong token and an empty principal answer 401", async () => {
  const s = await serviceServer();
  try {
    const forged = { "X-Strata-Principal": "admin", "X-Strata-Scopes": "admin:* notebook:*" };
    const cases: [string, Record<string, string>][] = [
      ["no headers", {}],
      ["forged identity, no token", forged],
      ["wrong token", { ...forged, "X-Strata-Proxy-Token": TOKEN.slice(0, -1) + "x" }],
      ["token with a suffix", { ...forged, "X-Strata-Proxy-Token": TOKEN + "x" }],
      ["empty token", { ...forged, "X-Strata-Proxy-Token": "" }],
      ["empty principal", { ...who("", ALL) }],
      ["blank principal", { ...who("   ", ALL) }],
      ["over-long principal", { ...who("p".repeat(257), ALL) }],
    ];
    const bodies = new Set<string>();
    for (const [what, headers] of cases) {
      for (
        const [method, path] of [["GET", "/v1/admin/tenants"], ["POST", "/v1/notebooks/create"]]
      ) {
        const res = await fetch(s.url + path, {
          method,
          headers,
          body: method === "POST" ? "{}" : undefined,
        });
        const body = await res.json();
        assert.equal(res.status, 401, `${what} ${method} ${path}`);
        assert.equal(res.headers.get("www-authenticate"), "StrataProxy");
        bodies.add(JSON.stringify({ ...body.error, request_id: undefined }));
      }
    }
    assert.deepEqual([...bodies], [
      JSON.stringify({ code: "unauthorized", message: "Authentication required" }),
    ]);
    assert.ok(!s.logs().includes(TOKEN), "the token is never logged");
    for (const probe of ["/health", "/ready", "/metrics"]) {
      const res = await fetch(s.url + probe);
      await res.body?.cancel();
      assert.equal(res.status, 200, `${probe} needs no token`);
    }
  } finally {
    await s.close();
  }
});

Deno.test("service mode - a user without notebook:execute cannot run a cell (403)", async () => {
  const s = await serviceServer();
  try {
    const writer = who("writer@example.com", "notebook:read notebook:write");
    const { sid, ids } = await newNotebook(s, "scoped", writer, ["1 + 1"]);
    let r = await s.api("POST", `/v1/notebooks/${sid}/cells/${ids[0]}/execute`, undefined, writer);
    assert.equal(r.status, 403);
    assert.deepEqual(r.body.error.code, "forbidden");
    assert.match(r.body.error.message, /Missing scope 'notebook:execute'/);
    r = await s.api("POST", `/v1/notebooks/${sid}/run-all`, undefined, writer);
    assert.equal(r.status, 403);
    const reader = who("reader@example.com", "notebook:read");
    r = await s.api("POST", `/v1/notebooks/${sid}/cells`, { source: "2" }, reader);
    assert.equal(r.status, 403, "no notebook:write: no edits");
    r = await s.api("GET", `/v1/notebooks/${sid}`, undefined, reader);
    assert.equal(r.status, 200, "reading is fine");
    const runner = who("runner@example.com", "notebook:read notebook:execute");
    r = await s.api("POST", `/v1/notebooks/${sid}/cells/${ids[0]}/execute`, undefined, runner);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.run.ok, true);
    r = await s.api(
      "POST",
      `/v1/notebooks/${sid}/cells/${ids[0]}/execute`,
      undefined,
      who("w", "notebook:*"),
    );
    assert.equal(r.status, 200, "notebook:* covers notebook:execute");
  } finally {
    await s.close();
  }
});

Deno.test("service mode - ACL: deny beats allow, default deny, admin denials are 403", async () => {
  const acl = {
    default: "deny",
    deny: [
      { principal: "mallory", resource: "notebooks/**" },
      { principal: "bob", scope: "notebook:execute" },
    ],
    allow: [
      { resource: "notebooks/proj-*" },
      { principal: "root", resource: "admin/*" },
    ],
  };
  const s = await serviceServer({ STRATA_ACL_CONFIG: JSON.stringify(acl) });
  try {
    const alice = who("alice", `${ALL} admin:*`);
    const { sid, ids } = await newNotebook(s, "proj-a", alice, ["6 * 7"]);
    let r = await s.api("POST", `/v1/notebooks/${sid}/cells/${ids[0]}/execute`, undefined, alice);
    assert.equal(r.status, 200, "allow[0] lets alice run it");

    // mallory matches allow[0] too, but deny[0] comes first and cannot be overridden.
    const mallory = who("mallory", `${ALL} admin:*`);
    r = await s.api("POST", "/v1/notebooks/open", { path: "proj-a" }, mallory);
    assert.equal(r.status, 404, JSON.stringify(r.body));
    r = await s.api("GET", `/v1/notebooks/${sid}`, undefined, mallory);
    assert.equal(r.status, 404, "even with the session id");
    r = await s.api("POST", "/v1/notebooks/create", { name: "proj-m" }, mallory);
    assert.equal(r.status, 404);

    // bob may open (allow[0]) but a scope-specific deny stops execution, as "not found".
    const bob = who("bob", ALL);
    r = await s.api("POST", "/v1/notebooks/open", { path: "proj-a" }, bob);
    assert.equal(r.status, 200);
    r = await s.api("POST", `/v1/notebooks/${sid}/cells/${ids[0]}/execute`, undefined, bob);
    assert.equal(r.status, 404);

    // No rule matches "notebooks/secret": default deny, for alice too.
    r = await s.api("POST", "/v1/notebooks/create", { name: "secret" }, alice);
    assert.equal(r.status, 404);
    assert.equal(r.body.error.code, "not_found");
    r = await s.api("GET", "/v1/admin/tenants", undefined, alice);
    assert.equal(
      r.status,
      403,
      "admin/tenants is not allowed for alice: default deny, 403 for admin",
    );
    r = await s.api("GET", "/v1/admin/tenants", undefined, who("root", "admin:tenants"));
    assert.equal(r.status, 200);
  } finally {
    await s.close();
  }
});

Deno.test("service mode - tenants never share notebooks, sessions or cache hits, even for identical cells", async () => {
  const s = await serviceServer({
    STRATA_MULTI_TENANT_ENABLED: "true",
    STRATA_REQUIRE_TENANT_HEADER: "true",
  });
  try {
    const cells = ["const base = 20 + 1", "const doubled = base * 2", "doubled"];
    const a = who("same-user", ALL, "team-a");
    const b = who("same-user", ALL, "team-b");
    const na = await newNotebook(s, "identical", a, cells);
    let r = await s.api("POST", `/v1/notebooks/${na.sid}/run-all`, undefined, a);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.run.cells.map((c: any) => c.cacheHit), [false, false, false]);
    r = await s.api("POST", `/v1/notebooks/${na.sid}/run-all`, undefined, a);
    assert.deepEqual(
      r.body.run.cells.map((c: any) => c.cacheHit),
      [true, true, true],
      "same tenant: hits",
    );

    const nb = await newNotebook(s, "identical", b, cells);
    assert.notEqual(nb.sid, na.sid);
    r = await s.api("POST", `/v1/notebooks/${nb.sid}/run-all`, undefined, b);
    assert.equal(r.status, 200);
    assert.deepEqual(
      r.body.run.cells.map((c: any) => c.cacheHit),
      [false, false, false],
      "other tenant: misses",
    );
    const provA = (await s.api("GET", `/v1/notebooks/${na.sid}`, undefined, a)).body.cells.map((
      c: any,
    ) => c.provenance);
    const provB = (await s.api("GET", `/v1/notebooks/${nb.sid}`, undefined, b)).body.cells.map((
      c: any,
    ) => c.provenance);
    assert.deepEqual(
      provA,
      provB,
      "identical cells have identical provenance; the tenant keys the cache",
    );

    for (
      const [method, path] of [
        ["GET", `/v1/notebooks/${na.sid}`],
        ["GET", `/v1/notebooks/${na.sid}/artifacts`],
        ["POST", `/v1/notebooks/${na.sid}/cells/${na.ids[0]}/execute`],
        ["POST", `/v1/notebooks/${na.sid}/run-all`],
        ["PUT", `/v1/notebooks/${na.sid}/cells/${na.ids[0]}`],
      ]
    ) {
      r = await s.api(method, path, method === "PUT" ? { source: "1" } : undefined, b);
      assert.equal(r.status, 404, `${method} ${path} from the other tenant`);
    }
    r = await s.api("GET", `/v1/notebooks/${nb.sid}/artifacts`, undefined, b);
    assert.ok(r.body.artifacts.length > 0);
    r = await s.api("POST", "/v1/notebooks/open", { path: "identical" }, who("x", ALL, "team-c"));
    assert.equal(r.status, 404, "a third tenant has no such notebook");

    for (const tenant of ["team-a", "team-b"]) {
      await Deno.stat(
        `${s.dir}/notebooks/tenants/${await tenantHash(tenant)}/identical/notebook.toml`,
      );
    }
    await assert.rejects(
      Deno.stat(`${s.dir}/notebooks/tenants/team-a`),
      "folders are named by hash, not id",
    );
    r = await s.api("GET", "/v1/notebooks/proj", undefined, who("x", ALL));
    assert.equal(r.status, 400, "tenant header required");
    assert.match(r.body.error.message, /Tenant header X-Tenant-ID is required/);
  } finally {
    await s.close();
  }
});

async function rawRequest(port: number, head: Uint8Array): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(head);
    const buf = new Uint8Array(4096);
    const n = await conn.read(buf);
    return new TextDecoder().decode(buf.subarray(0, n ?? 0));
  } finally {
    conn.close();
  }
}

Deno.test("service mode - invalid tenant ids answer 400 naming the rule", async () => {
  const s = await serviceServer({ STRATA_MULTI_TENANT_ENABLED: "true" });
  try {
    // What HTTP can carry in a header value.
    for (const bad of ["_x", "-x", "a".repeat(65), "a b", "x\u00e9", "", "a.b", "a/b"]) {
      for (const header of ["X-Tenant-ID", "X-Strata-Tenant"]) {
        const r = await s.api("GET", "/v1/admin/tenants", undefined, {
          ...who("p", "admin:*"),
          [header]: bad,
        });
        assert.equal(r.status, 400, `${header}: ${JSON.stringify(bad)}`);
        assert.match(r.body.error.message, TENANT_RULE);
      }
    }
    const ok = await s.api(
      "GET",
      "/v1/admin/tenants",
      undefined,
      who("p", "admin:*", "a".repeat(64)),
    );
    assert.equal(ok.status, 200, "64 characters is the limit");
    // Non-Latin-1 text, NUL and newlines cannot be sent by a conforming client at all...
    for (const bad of ["租户", "a\0b", "a\nb"]) {
      assert.throws(() => new Headers({ "X-Tenant-ID": bad }), TypeError, JSON.stringify(bad));
    }
    // ...and raw bytes on the socket are refused: UTF-8 reaches Strata as Latin-1 and fails the
    // rule; NUL and a bare newline are refused by the HTTP parser before Strata sees them.
    const base = `GET /v1/admin/tenants HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n` +
      Object.entries(who("p", "admin:*")).map(([k, v]) => `${k}: ${v}\r\n`).join("");
    const enc = new TextEncoder();
    for (const value of [enc.encode("租户"), enc.encode("a\0b"), enc.encode("a\nb")]) {
      const head = new Uint8Array([
        ...enc.encode(base + "X-Tenant-ID: "),
        ...value,
        ...enc.encode("\r\n\r\n"),
      ]);
      const answer = await rawRequest(s.port, head);
      assert.match(answer, /^HTTP\/1\.1 400 /, JSON.stringify(answer.slice(0, 200)));
    }
    // And the validator itself, for every case.
    for (
      const bad of [
        "_x",
        "-x",
        "a".repeat(65),
        "a b",
        " a",
        "a ",
        "租户",
        "é",
        "a\nb",
        "a\0b",
        "\n",
        "",
        "a.b",
      ]
    ) {
      assert.throws(
        () => validateTenantId(bad),
        (e: Error) => e instanceof ValidationError && TENANT_RULE.test(e.message),
      );
    }
    for (const good of ["a", "A-1_b", "0team", "a".repeat(64)]) {
      assert.equal(validateTenantId(good), good);
    }
  } finally {
    await s.close();
  }
});

Deno.test("service mode - rate limits: headers, 429 with Retry-After, probes answer while limited", async () => {
  const s = await serviceServer({
    STRATA_RATE_LIMIT_BURST: "3",
    STRATA_RATE_LIMIT_REQUESTS_PER_SECOND: "1",
  });
  try {
    const alice = who("alice", ALL);
    const first = await fetch(`${s.url}/v1/notebooks/no-such-session`, { headers: alice });
    await first.body?.cancel();
    assert.equal(first.status, 404);
    assert.equal(first.headers.get("x-ratelimit-limit"), "3");
    assert.equal(first.headers.get("x-ratelimit-remaining"), "2");
    let limited: Response | undefined;
    for (let i = 0; i < 10 && !limited; i++) {
      const res = await fetch(`${s.url}/v1/notebooks/no-such-session`, { headers: alice });
      if (res.status === 429) limited = res;
      else await res.body?.cancel();
    }
    assert.ok(limited, "a 429 within 10 requests at burst 3, 1/s");
    const retry = Number(limited.headers.get("retry-after"));
    assert.ok(Number.isInteger(retry) && retry >= 1, `Retry-After ${retry}`);
    assert.equal(limited.headers.get("x-ratelimit-remaining"), "0");
    const body = await limited.json();
    assert.equal(body.error.code, "rate_limited");
    assert.match(body.error.message, /Rate limit exceeded; retry in \d+ seconds?/);

    // While alice is limited: probes answer, unlimited and without headers; bob is unaffected.
    for (const probe of ["/health", "/ready", "/metrics"]) {
      const res = await fetch(s.url + probe);
      const text = await res.text();
      assert.equal(res.status, 200, probe);
      assert.equal(res.headers.get("x-ratelimit-limit"), null);
      if (probe === "/metrics") assert.match(text, /rate_limit/);
    }
    const bob = await fetch(`${s.url}/v1/notebooks/no-such-session`, { headers: who("bob", ALL) });
    await bob.body?.cancel();
    assert.equal(bob.status, 404);
    assert.equal(bob.headers.get("x-ratelimit-remaining"), "2");
    const still = await fetch(`${s.url}/v1/notebooks/no-such-session`, { headers: alice });
    await still.body?.cancel();
    assert.equal(still.status, 429, "alice is still limited");
  } finally {
    await s.close();
  }
});

Deno.test("service mode - admin endpoints need admin scopes", async () => {
  const s = await serviceServer({ STRATA_MULTI_TENANT_ENABLED: "true" });
  try {
    await newNotebook(s, "seen", who("u", ALL, "team-a"), []);
    const cases: [string, string, number][] = [
      ["/v1/admin/tenants", "notebook:*", 403],
      ["/v1/admin/tenants", "admin:audit admin:cache", 403],
      ["/v1/admin/tenants", "admin:tenants", 200],
      ["/v1/admin/tenants", "admin:*", 200],
      ["/v1/audit/verify", "notebook:* admin:tenants", 403],
      ["/v1/audit/verify", "admin:audit", 200],
      ["/v1/audit/verify?scope=all", "admin:*", 200],
    ];
    for (const [path, scopes, status] of cases) {
      const r = await s.api("GET", path, undefined, who("op", scopes, "team-a"));
      assert.equal(r.status, status, `${path} with '${scopes}': ${JSON.stringify(r.body)}`);
      if (status === 403) {
        assert.match(r.body.error.message, /Missing scope 'admin:(tenants|audit)'/);
      }
      if (path === "/v1/admin/tenants" && status === 200) {
        assert.ok(r.body.tenants.some((t: any) => t.id === "team-a"), JSON.stringify(r.body));
      }
      if (path.startsWith("/v1/audit/verify") && status === 200) assert.equal(r.body.ok, true);
    }
    const r = await s.api(
      "POST",
      "/v1/cache/clear",
      undefined,
      who("op", "admin:tenants", "team-a"),
    );
    assert.equal(r.status, 403, "cache clear needs admin:cache");
  } finally {
    await s.close();
  }
});

Deno.test("service mode - raw write surfaces are off: discovery and deletion refused", async () => {
  const s = await serviceServer();
  try {
    const u = who("u", ALL);
    const { sid } = await newNotebook(s, "keep-me", u, ["1"]);
    let r = await s.api("GET", "/v1/notebooks/discover", undefined, u);
    assert.equal(r.status, 403);
    assert.match(r.body.error.message, /Notebook discovery is available in personal mode only/);
    r = await s.api("DELETE", `/v1/notebooks/${sid}`, undefined, u);
    assert.equal(r.status, 403);
    assert.match(r.body.error.message, /Notebook deletion is available in personal mode only/);
    r = await s.api("POST", "/v1/notebooks/delete-by-path", { path: "keep-me" }, u);
    assert.equal(r.status, 403);
    for (const path of ["/v1/artifacts", "/v1/artifacts/upload"]) {
      r = await s.api("POST", path, {}, u);
      assert.equal(r.status, 404, `no raw artifact upload at ${path}`);
    }
    await Deno.stat(`${s.dir}/notebooks/keep-me/notebook.toml`);
    r = await s.api("POST", "/v1/notebooks/open", { path: "keep-me" }, u);
    assert.equal(r.status, 200);
  } finally {
    await s.close();
  }
});

function decode(codec: string, bytes: Uint8Array): unknown {
  if (codec === "json") return JSON.parse(new TextDecoder().decode(bytes));
  if (codec === "v8") return deserialize(bytes);
  throw new Error(`unexpected codec ${codec}`);
}

// ---- materialize and streams: an in-process app with the real services, mounted like main.ts --

async function transformApp(dir: string, extraEnv: Record<string, string>, transforms: unknown) {
  const app = await inProcessApp(dir, {
    STRATA_PROXY_TOKEN: TOKEN,
    STRATA_TRANSFORMS: JSON.stringify(transforms),
    ...extraEnv,
  });
  return { ...app, json: app.api };
}

Deno.test("service mode - materialize runs a configured transform server-side and streams its artifact", async () => {
  const dir = await Deno.makeTempDir({ prefix: "strata-materialize-" });
  const acl = {
    default: "deny",
    deny: [{ principal: "eve", resource: "artifacts/**" }],
    allow: [{ resource: "notebooks/**" }, { resource: "artifacts/**" }, {
      principal: "op",
      resource: "admin/*",
    }],
  };
  const transforms = {
    daily: {
      notebook: "reports",
      cell: "summary",
      params: ["SCALE"],
      defaults: { SCALE: "1" },
      output: "report",
    },
    text: { notebook: "reports", cell: "summary", params: ["SCALE"], defaults: { SCALE: "5" } },
    unread: { notebook: "reports", cell: "summary", params: ["OTHER"] },
    boom: { notebook: "reports", cell: "explode" },
    elsewhere: { notebook: "missing-notebook", cell: "x" },
  };
  const t = await transformApp(dir, {
    STRATA_MULTI_TENANT_ENABLED: "true",
    STRATA_ACL_CONFIG: JSON.stringify(acl),
  }, transforms);
  try {
    const alice = who("alice", ALL, "team-a");
    let r = await t.json("POST", "/v1/notebooks/create", { name: "reports" }, alice);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const sid = r.body.sessionId;
    for (
      const source of [
        '// @name base\nconst base = Number(Deno.env.get("SCALE") ?? "0")',
        "// @name summary\nconst report = { total: base * 21, at: 'fixed' };\nreport.total",
        "// @name explode\nthrow new Error('no data for today')",
      ]
    ) {
      r = await t.json("POST", `/v1/notebooks/${sid}/cells`, { source }, alice);
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }

    r = await t.json(
      "POST",
      "/v1/materialize",
      { transform: "daily", params: { SCALE: 2 } },
      alice,
    );
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.cacheHit, false);
    const first = r.body;
    assert.equal(first.streamUrl, `/v1/streams/${first.artifact.id}`);
    assert.match(first.artifact.id, /^daily\.[0-9a-f]{64}$/);
    assert.deepEqual(Object.keys(first.artifact).sort(), [
      "codec",
      "contentHash",
      "id",
      "provenance",
      "size",
      "variable",
    ]);

    let s = await t.api("GET", first.streamUrl, undefined, alice);
    assert.equal(s.status, 200);
    assert.equal(s.res.headers.get("x-strata-content-hash"), first.artifact.contentHash);
    assert.equal(s.res.headers.get("x-strata-codec"), first.artifact.codec);
    const bytes = new Uint8Array(await s.res.arrayBuffer());
    assert.equal(bytes.length, first.artifact.size);
    assert.deepEqual(decode(first.artifact.codec, bytes), { total: 42, at: "fixed" });

    r = await t.json(
      "POST",
      "/v1/materialize",
      { transform: "daily", params: { SCALE: "2" } },
      alice,
    );
    assert.equal(r.body.cacheHit, true, "same parameters: a cache hit");
    assert.equal(r.body.artifact.id, first.artifact.id);
    r = await t.json(
      "POST",
      "/v1/materialize",
      { transform: "daily", params: { SCALE: 3 } },
      alice,
    );
    assert.equal(r.body.cacheHit, false, "a new parameter value is a new provenance");
    assert.notEqual(r.body.artifact.id, first.artifact.id);
    s = await t.api("GET", r.body.streamUrl, undefined, alice);
    assert.deepEqual(decode(r.body.artifact.codec, new Uint8Array(await s.res.arrayBuffer())), {
      total: 63,
      at: "fixed",
    });
    r = await t.json("POST", "/v1/materialize", { transform: "daily" }, alice);
    s = await t.api("GET", r.body.streamUrl, undefined, alice);
    assert.deepEqual(decode(r.body.artifact.codec, new Uint8Array(await s.res.arrayBuffer())), {
      total: 21,
      at: "fixed",
    }, "default");

    // Without an output the artifact is the run's result (displays and console) as JSON.
    r = await t.json("POST", "/v1/materialize", { transform: "text" }, alice);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.artifact.codec, "json");
    s = await t.api("GET", r.body.streamUrl, undefined, alice);
    assert.equal(s.res.headers.get("content-type"), "application/json");
    const result = await s.res.json();
    assert.deepEqual(result.displays, [{ type: "text", data: "105" }]);

    // Refusals.
    r = await t.json(
      "POST",
      "/v1/materialize",
      { transform: "daily", params: { PATH: "/" } },
      alice,
    );
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /has no parameter 'PATH' \(allowed: SCALE\)/);
    r = await t.json(
      "POST",
      "/v1/materialize",
      { transform: "unread", params: { OTHER: "1" } },
      alice,
    );
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /would not be part of the cache key/);
    r = await t.json("POST", "/v1/materialize", { transform: "boom" }, alice);
    assert.equal(r.status, 422);
    assert.equal(r.body.error.code, "transform_failed");
    assert.match(r.body.error.message, /no data for today/);
    for (const name of ["nope", "elsewhere"]) {
      r = await t.json("POST", "/v1/materialize", { transform: name }, alice);
      assert.equal(r.status, 404, name);
      assert.equal(r.body.error.message, `Transform '${name}' not found`);
    }
    r = await t.json(
      "POST",
      "/v1/materialize",
      { transform: "daily" },
      who("ro", "notebook:read", "team-a"),
    );
    assert.equal(r.status, 403, "materialize needs notebook:execute");
    r = await t.json("GET", first.streamUrl, undefined, who("x", "notebook:execute", "team-a"));
    assert.equal(r.status, 403, "streams need notebook:read");

    // ACL: eve has every scope but artifacts are denied to her: both answer 404, as if absent.
    const eve = who("eve", ALL, "team-a");
    r = await t.json("POST", "/v1/materialize", { transform: "daily" }, eve);
    assert.equal(r.status, 404);
    assert.equal(r.body.error.message, "Transform 'daily' not found");
    r = await t.json("GET", first.streamUrl, undefined, eve);
    assert.equal(r.status, 404);
    assert.equal(r.body.error.message, `Stream '${first.artifact.id}' not found`);

    // Forged and foreign stream ids: another cell's stored result is not this transform's.
    r = await t.json("POST", `/v1/notebooks/${sid}/cells`, { source: "// @name other\n7" }, alice);
    const other = r.body.cellId;
    r = await t.json("POST", `/v1/notebooks/${sid}/cells/${other}/execute`, undefined, alice);
    assert.equal(r.body.run.ok, true);
    const otherProv = r.body.state.cells.find((c: any) => c.id === other).provenance;
    for (
      const id of [
        "daily",
        "daily.xyz",
        `daily.${"0".repeat(64)}`,
        `text.${otherProv}`,
        "..%2f..%2fetc",
      ]
    ) {
      r = await t.json("GET", `/v1/streams/${id}`, undefined, alice);
      assert.equal(r.status, 404, id);
    }
    // Another tenant with a byte-identical notebook cannot read team-a's stream, and its own
    // materialization is a miss.
    const bob = who("bob", ALL, "team-b");
    r = await t.json("GET", first.streamUrl, undefined, bob);
    assert.equal(r.status, 404, "no such notebook in team-b");
    r = await t.json("POST", "/v1/notebooks/create", { name: "reports" }, bob);
    const sidB = r.body.sessionId;
    for (
      const source of [
        '// @name base\nconst base = Number(Deno.env.get("SCALE") ?? "0")',
        "// @name summary\nconst report = { total: base * 21, at: 'fixed' };\nreport.total",
      ]
    ) {
      await t.json("POST", `/v1/notebooks/${sidB}/cells`, { source }, bob);
    }
    r = await t.json("GET", first.streamUrl, undefined, bob);
    assert.equal(r.status, 404, "same path and cells in team-b: still not team-a's artifact");
    r = await t.json("POST", "/v1/materialize", { transform: "daily", params: { SCALE: 2 } }, bob);
    assert.equal(r.status, 200);
    assert.equal(r.body.cacheHit, false, "no cross-tenant cache hit");
    assert.equal(r.body.artifact.provenance, first.artifact.provenance);
    assert.equal(r.body.artifact.contentHash, first.artifact.contentHash);

    const audit = await t.json(
      "GET",
      "/v1/audit/events?action=transform.materialize",
      undefined,
      who("op", "admin:audit", "team-a"),
    );
    assert.equal(audit.status, 200, JSON.stringify(audit.body));
    assert.ok(audit.body.events.length >= 5, JSON.stringify(audit.body).slice(0, 300));
    assert.ok(audit.body.events.every((e: any) => e.actor === "alice"), "team-a's chain only");
  } finally {
    await t.close();
    await Deno.remove(dir, { recursive: true });
  }
});
