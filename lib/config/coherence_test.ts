import assert from "node:assert/strict";
import { loadConfig } from "./load.ts";
import { checkCoherence, isLoopbackHost } from "./coherence.ts";
import { DEVELOPMENT_AUDIT_KEY_SECRET } from "../audit/audit_key.ts";

function check(env: Record<string, string>) {
  return checkCoherence(loadConfig({ HOME: "/h", ...env }).config);
}

Deno.test("coherence - defaults are coherent", () => {
  assert.deepEqual(check({}).conflicts, []);
});

Deno.test("coherence - service mode alone lists auth mode, proxy token and artifact target at once", () => {
  const { conflicts } = check({ STRATA_DEPLOYMENT_MODE: "service" });
  assert.ok(conflicts.some((c) => c.includes("auth_mode=trusted_proxy")));
  assert.ok(conflicts.some((c) => c.includes("proxy token")));
  assert.ok(conflicts.some((c) => c.includes("artifact target")));
  assert.ok(conflicts.every((c) => c.includes("Fix:")));
});

Deno.test("coherence - every documented rejection", () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ STRATA_AUTH_MODE: "trusted_proxy" }, /personal with auth_mode=trusted_proxy/],
    [{ STRATA_MULTI_TENANT_ENABLED: "true" }, /personal with multi_tenant_enabled/],
    [{ STRATA_REQUIRE_TENANT_HEADER: "true" }, /personal with require_tenant_header/],
    [{
      STRATA_DEPLOYMENT_MODE: "service",
      STRATA_PERSONAL_MODE_USER_HEADER: "X-User",
    }, /service with personal_mode_user_header/],
  ];
  for (const [env, re] of cases) {
    assert.ok(check(env).conflicts.some((c) => re.test(c)), `${JSON.stringify(env)} -> ${re}`);
  }
});

Deno.test("coherence - a complete service config is accepted", () => {
  const { conflicts } = check({
    STRATA_DEPLOYMENT_MODE: "service",
    STRATA_AUTH_MODE: "trusted_proxy",
    STRATA_PROXY_TOKEN: "0123456789abcdef0123",
    STRATA_ARTIFACT_DIR: "/srv/strata/artifacts",
    STRATA_AUDIT_HMAC_KEY: "k".repeat(32),
    STRATA_HOST: "0.0.0.0",
  });
  assert.deepEqual(conflicts, []);
});

Deno.test("coherence - personal mode refuses a public host unless opted in, then warns", () => {
  assert.match(check({ STRATA_HOST: "0.0.0.0" }).conflicts[0], /loopback only/);
  const opted = check({ STRATA_HOST: "0.0.0.0", STRATA_ALLOW_REMOTE_CLIENTS_IN_PERSONAL: "true" });
  assert.deepEqual(opted.conflicts, []);
  assert.ok(opted.warnings.some((w) => /WITHOUT authentication/.test(w)));
});

Deno.test("coherence - loopback detection", () => {
  for (const h of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"]) {
    assert.ok(isLoopbackHost(h), h);
  }
  for (const h of ["0.0.0.0", "192.168.1.2", "::", "example.com", "127.0.0.1.nip.io"]) {
    assert.ok(!isLoopbackHost(h), h);
  }
});

Deno.test("coherence - artifact_blob_backend=azure needs azure_container", () => {
  const { config } = loadConfig({ HOME: "/h", STRATA_ARTIFACT_BLOB_BACKEND: "azure" });
  assert.ok(checkCoherence(config).conflicts.some((c) => /azure_container/.test(c)));
  const ok = loadConfig({
    HOME: "/h",
    STRATA_ARTIFACT_BLOB_BACKEND: "azure",
    STRATA_AZURE_CONTAINER: "strata-artifacts",
  }).config;
  assert.deepEqual(checkCoherence(ok).conflicts, []);
  assert.throws(
    () => loadConfig({ HOME: "/h", STRATA_AZURE_CONTAINER: "Bad_Name" }),
    /azure_container.*Azure container name/,
  );
});

Deno.test("coherence - service mode refuses the development audit key as a retired key; warns without a secret policy", () => {
  const service = {
    STRATA_DEPLOYMENT_MODE: "service",
    STRATA_AUTH_MODE: "trusted_proxy",
    STRATA_PROXY_TOKEN: "0123456789abcdef0123",
    STRATA_ARTIFACT_DIR: "/srv/strata/artifacts",
    STRATA_AUDIT_HMAC_KEY: "k".repeat(32),
  };
  const dev = `legacy:${DEVELOPMENT_AUDIT_KEY_SECRET}`;
  const refused = check({ ...service, STRATA_AUDIT_RETIRED_KEYS: dev });
  assert.equal(refused.conflicts.length, 1);
  assert.match(refused.conflicts[0], /public development audit key/);
  assert.deepEqual(check({ STRATA_AUDIT_RETIRED_KEYS: dev }).conflicts, [], "personal: harmless");
  assert.ok(check(service).warnings.some((w) => /without secret_manager_policy/.test(w)));
  const withPolicy = check({
    ...service,
    STRATA_SECRET_MANAGER_POLICY: '{"t":{"projects":["p"]}}',
  });
  assert.ok(!withPolicy.warnings.some((w) => /secret_manager_policy/.test(w)));
});

Deno.test("coherence - [cluster] and executor=remote together are refused", () => {
  const { conflicts } = check({
    STRATA_CLUSTER: JSON.stringify({ nats_url: "nats://127.0.0.1:4222" }),
    STRATA_EXECUTOR: "remote",
    STRATA_EXECUTOR_WORKER_URL: "http://127.0.0.1:8790",
    STRATA_EXECUTOR_WORKER_TOKEN: "0123456789abcdef0123",
  });
  assert.equal(conflicts.length, 1, conflicts.join("\n"));
  assert.match(conflicts[0], /\[cluster\] nats_url with executor=remote/);
  assert.deepEqual(
    check({ STRATA_CLUSTER: JSON.stringify({ nats_url: "nats://127.0.0.1:4222" }) }).conflicts,
    [],
  );
});

Deno.test("coherence - gcs needs a bucket and a key file or an emulator endpoint", () => {
  const gcs = { STRATA_ARTIFACT_BLOB_BACKEND: "gcs" };
  assert.ok(check(gcs).conflicts.some((c) => /requires gcs_bucket/.test(c)));
  const noCredentials = check({ ...gcs, STRATA_GCS_BUCKET: "artifacts" }).conflicts;
  assert.equal(noCredentials.length, 1);
  assert.match(noCredentials[0], /GOOGLE_APPLICATION_CREDENTIALS.*STRATA_GCS_ENDPOINT/);
  assert.throws(
    () => loadConfig({ HOME: "/h", STRATA_GCS_BUCKET: "Bad_Bucket!" }),
    /gcs_bucket.*GCS bucket name/,
  );
  const withKey = {
    ...gcs,
    STRATA_GCS_BUCKET: "artifacts",
    GOOGLE_APPLICATION_CREDENTIALS: "/secrets/sa.json",
    STRATA_GCS_PROJECT: "my-project",
  };
  assert.deepEqual(check(withKey).conflicts, []);
  const { config } = loadConfig({ HOME: "/h", ...withKey });
  assert.deepEqual(config.gcs, {
    bucket: "artifacts",
    prefix: "strata/",
    endpoint: undefined,
    project: "my-project",
  });
  assert.equal(config.credentials.gcp.keyFile, "/secrets/sa.json");
  const emulator = {
    ...gcs,
    STRATA_GCS_BUCKET: "artifacts",
    STRATA_GCS_ENDPOINT: "http://127.0.0.1:4443",
  };
  assert.deepEqual(check(emulator).conflicts, []);
});
