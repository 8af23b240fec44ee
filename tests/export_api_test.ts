// GET /v1/notebooks/{sid}/export as an attacker tries it in service mode: without the read scope,
// denied by the ACL, from another tenant. In-process app built like main.ts.
import assert from "node:assert/strict";
import { inProcessApp, proxyHeaders as who } from "./_app.ts";

const ALL = "notebook:read notebook:write notebook:execute";

Deno.test("export api - scope, ACL and tenant checks; secrets stay out of every format", async () => {
  const dir = await Deno.makeTempDir({ prefix: "strata-export-api-" });
  const acl = {
    default: "deny",
    deny: [{ principal: "eve", resource: "notebooks/**" }],
    allow: [{ resource: "notebooks/**" }],
  };
  const app = await inProcessApp(dir, {
    STRATA_MULTI_TENANT_ENABLED: "true",
    STRATA_ACL_CONFIG: JSON.stringify(acl),
  });
  const call = async (method: string, path: string, h: Record<string, string>, body?: unknown) => {
    const r = await app.api(method, path, body, h);
    return { status: r.status, body: r.body, text: await r.res.text() };
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
    await app.close();
    await Deno.remove(dir, { recursive: true });
  }
});
