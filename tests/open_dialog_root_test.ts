// The open dialog names the notebook root in personal mode only: in service mode a visitor learns
// nothing about the server's folders.
import assert from "node:assert/strict";
import { startServer } from "./_server.ts";

const TOKEN = "open-dialog-proxy-token-0123";

Deno.test("open dialog - the root path is shown in personal mode and hidden in service mode", async () => {
  const personal = await startServer();
  try {
    const res = await fetch(`${personal.url}/`);
    const html = await res.text();
    assert.equal(res.status, 200);
    assert.ok(html.includes(await Deno.realPath(`${personal.dir}/notebooks`)), "root shown");
    assert.match(html, /strata serve/);
  } finally {
    await personal.close();
  }
  const artifacts = await Deno.makeTempDir({ prefix: "strata-open-art-" });
  const service = await startServer({
    STRATA_DEPLOYMENT_MODE: "service",
    STRATA_AUTH_MODE: "trusted_proxy",
    STRATA_PROXY_TOKEN: TOKEN,
    STRATA_AUDIT_HMAC_KEY: "a".repeat(40),
    STRATA_ARTIFACT_DIR: artifacts,
  });
  try {
    const res = await fetch(`${service.url}/`, {
      headers: {
        "X-Strata-Proxy-Token": TOKEN,
        "X-Strata-Principal": "mallory",
        "X-Strata-Scopes": "notebook:read",
      },
    });
    const html = await res.text();
    assert.equal(res.status, 200, html.slice(0, 300));
    assert.match(html, /relative to your notebook root on the server/);
    assert.ok(!html.includes(service.dir), "no server folder in the page");
    assert.ok(!html.includes("STRATA_NOTEBOOK_STORAGE_DIR"));
  } finally {
    await service.close();
    await Deno.remove(artifacts, { recursive: true });
  }
});
