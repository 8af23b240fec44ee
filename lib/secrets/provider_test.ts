import { readCredentials } from "../config/credentials.ts";
import assert from "node:assert/strict";
import {
  createSecretProviderRegistry,
  parseSecretManagerConfig,
  type SecretProvider,
} from "./provider.ts";

function fakeProvider(name: string, secrets: Record<string, string> = {}): SecretProvider {
  return {
    name,
    fetch: (config) => Promise.resolve({ secrets, source: config.provider, fetchedAt: new Date() }),
  };
}

Deno.test("parseSecretManagerConfig - fills environment and path defaults", () => {
  const parsed = parseSecretManagerConfig({ provider: "Infisical", project_id: "p1" });
  assert.deepEqual(parsed, {
    config: { provider: "infisical", project_id: "p1", environment: "dev", path: "/" },
    warnings: [],
  });
});

Deno.test("parseSecretManagerConfig - keeps base_url and normalizes a relative path", () => {
  const parsed = parseSecretManagerConfig({
    provider: "infisical",
    project_id: "p1",
    environment: "prod",
    path: "backend/api",
    base_url: "https://infisical.example.com",
  });
  assert.equal(parsed.config?.path, "/backend/api");
  assert.equal(parsed.config?.environment, "prod");
  assert.equal(parsed.config?.base_url, "https://infisical.example.com");
  assert.ok(
    parsed.config && !("base_url" in parseSecretManagerConfig({
      provider: "infisical",
      project_id: "p1",
      base_url: "",
    }).config!),
  );
});

Deno.test("parseSecretManagerConfig - drops unknown keys with a warning", () => {
  const parsed = parseSecretManagerConfig({ provider: "infisical", project_id: "p", region: "eu" });
  assert.deepEqual(Object.keys(parsed.config ?? {}).sort(), [
    "environment",
    "path",
    "project_id",
    "provider",
  ]);
  assert.equal(parsed.warnings.length, 1);
  assert.match(parsed.warnings[0], /\[secret_manager\]\.region was ignored: known keys are/);
});

Deno.test("parseSecretManagerConfig - drops credentials, pointing at the server environment", () => {
  const raw = {
    provider: "infisical",
    project_id: "p",
    client_id: "cid-value-123",
    client_secret: "csecret-value-456",
    token: "st.a.b.c",
    api_key: "k-789",
  };
  const parsed = parseSecretManagerConfig(raw);
  assert.equal(parsed.warnings.length, 4);
  for (const w of parsed.warnings) {
    assert.match(w, /credentials belong in the server's environment/);
    for (const v of ["cid-value-123", "csecret-value-456", "st.a.b.c", "k-789"]) {
      assert.ok(!w.includes(v), "a warning must not repeat the credential");
    }
  }
  assert.ok(parsed.config && !("client_secret" in parsed.config));
});

Deno.test("parseSecretManagerConfig - missing fields and bad URLs are error values", () => {
  const missing = parseSecretManagerConfig({ provider: "infisical" });
  assert.equal(missing.config, null);
  assert.match(missing.error ?? "", /project_id/);
  const badUrl = parseSecretManagerConfig({
    provider: "infisical",
    project_id: "p",
    base_url: "file:///etc/passwd",
  });
  assert.match(badUrl.error ?? "", /base_url must be an http\(s\) URL/);
  assert.match(parseSecretManagerConfig("nope").error ?? "", /must be a table/);
});

Deno.test("secret provider registry - unknown provider is a clear error value", async () => {
  const registry = createSecretProviderRegistry([fakeProvider("infisical")]);
  assert.equal(
    registry.get("vault").error,
    "Unknown secret manager provider 'vault'. Known: infisical",
  );
  const result = await registry.fetch(
    { provider: "vault", project_id: "p", environment: "dev", path: "/" },
    { credentials: readCredentials({}, () => false) },
  );
  assert.equal(result.error, "Unknown secret manager provider 'vault'. Known: infisical");
  assert.deepEqual(result.secrets, {});
});

Deno.test("secret provider registry - finds providers case-insensitively and lists names", () => {
  const registry = createSecretProviderRegistry([
    fakeProvider("infisical"),
    fakeProvider("doppler"),
  ]);
  assert.equal(registry.get("Infisical").provider?.name, "infisical");
  assert.deepEqual(registry.names(), ["doppler", "infisical"]);
  assert.throws(() => createSecretProviderRegistry([fakeProvider("a"), fakeProvider("A")]));
});

Deno.test("secret provider registry - a provider that throws becomes an error value", async () => {
  const throwing: SecretProvider = {
    name: "broken",
    fetch: () => Promise.reject(new TypeError("leaky detail sk-123456")),
  };
  const registry = createSecretProviderRegistry([throwing]);
  const result = await registry.fetch(
    { provider: "broken", project_id: "p", environment: "dev", path: "/" },
    { credentials: readCredentials({}, () => false) },
  );
  assert.equal(result.error, "Secret manager provider 'broken' failed unexpectedly (TypeError)");
});
