import { readCredentials } from "../config/credentials.ts";
import assert from "node:assert/strict";
import { startInfisicalMock } from "../../tests/fixtures/infisical_mock.ts";
import { INFISICAL_NO_CREDENTIALS, infisicalProvider } from "./infisical.ts";
import type { SecretManagerConfig } from "./provider.ts";

/** Credentials as the config loader reads them from an environment. */
const creds = (env: Record<string, string>) => readCredentials(env, () => false);

const CLIENT_ID = "ua-client-id-1234";
const CLIENT_SECRET = "ua-client-secret-very-private";
const SERVICE_TOKEN = "st.token-id-5678.token-secret-abcd.symmetric-key-efgh";
const DB_URL = "postgres://app:db-password-zz9@db/app";

function config(over: Partial<SecretManagerConfig> = {}): SecretManagerConfig {
  return { provider: "infisical", project_id: "proj-1", environment: "dev", path: "/", ...over };
}

function startMock() {
  const mock = startInfisicalMock({
    universalAuth: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
    serviceToken: SERVICE_TOKEN,
  });
  mock.setSecrets({ projectId: "proj-1" }, { DATABASE_URL: DB_URL, REGION: "eu-west-1" });
  return mock;
}

function assertClean(message: string | undefined) {
  assert.ok(message);
  for (const v of [CLIENT_ID, CLIENT_SECRET, SERVICE_TOKEN, "token-secret-abcd", DB_URL]) {
    assert.ok(!message.includes(v), `message leaks a credential or secret: ${message}`);
  }
}

Deno.test("infisical - universal auth lists the secrets at the configured location", async () => {
  await using mock = startMock();
  const env = {
    INFISICAL_CLIENT_ID: CLIENT_ID,
    INFISICAL_CLIENT_SECRET: CLIENT_SECRET,
    INFISICAL_HOST: mock.url,
  };
  const result = await infisicalProvider().fetch(config(), { credentials: creds(env) });
  assert.equal(result.error, undefined);
  assert.deepEqual(result.secrets, { DATABASE_URL: DB_URL, REGION: "eu-west-1" });
  assert.equal(result.source, "infisical");
  assert.ok(result.fetchedAt instanceof Date);
  assert.deepEqual(mock.authMethods, ["universal-auth"]);
  assert.equal(mock.lastListQuery?.get("workspaceId"), "proj-1");
  assert.equal(mock.lastListQuery?.get("environment"), "dev");
  assert.equal(mock.lastListQuery?.get("secretPath"), "/");
});

Deno.test("infisical - universal auth is preferred when a token is also set", async () => {
  await using mock = startMock();
  const env = {
    INFISICAL_CLIENT_ID: CLIENT_ID,
    INFISICAL_CLIENT_SECRET: CLIENT_SECRET,
    INFISICAL_TOKEN: SERVICE_TOKEN,
    INFISICAL_HOST: mock.url,
  };
  const result = await infisicalProvider().fetch(config(), { credentials: creds(env) });
  assert.equal(result.error, undefined);
  assert.equal(mock.counts.login, 1);
  assert.deepEqual(mock.authMethods, ["universal-auth"]);
});

Deno.test("infisical - a service token alone works, sending only its access part", async () => {
  await using mock = startMock();
  const env = { INFISICAL_TOKEN: SERVICE_TOKEN, INFISICAL_HOST: mock.url };
  const result = await infisicalProvider().fetch(config(), { credentials: creds(env) });
  assert.equal(result.error, undefined);
  assert.equal(result.secrets.DATABASE_URL, DB_URL);
  assert.equal(mock.counts.login, 0);
  assert.deepEqual(mock.authMethods, ["service-token"]);
});

Deno.test("infisical - no credentials gives the documented message without a request", async () => {
  await using mock = startMock();
  const env = { INFISICAL_HOST: mock.url, INFISICAL_CLIENT_ID: CLIENT_ID };
  const result = await infisicalProvider().fetch(config(), { credentials: creds(env) });
  assert.equal(result.error, INFISICAL_NO_CREDENTIALS);
  assert.deepEqual(result.secrets, {});
  assert.deepEqual(mock.counts, { status: 0, login: 0, list: 0 });
});

Deno.test("infisical - bad credentials are an authentication error that leaks nothing", async () => {
  await using mock = startMock();
  mock.setUniversalAuth({ clientId: CLIENT_ID, clientSecret: "the-rotated-secret" });
  const env = {
    INFISICAL_CLIENT_ID: CLIENT_ID,
    INFISICAL_CLIENT_SECRET: CLIENT_SECRET,
    INFISICAL_HOST: mock.url,
  };
  const result = await infisicalProvider().fetch(config(), { credentials: creds(env) });
  assert.match(result.error ?? "", /^Infisical authentication failed: Invalid credentials/);
  assert.match(result.error ?? "", /HTTP 401/);
  assertClean(result.error);
  assert.deepEqual(result.secrets, {});
});

Deno.test("infisical - a rejected token is a list_secrets error that leaks nothing", async () => {
  await using mock = startMock();
  const env = { INFISICAL_TOKEN: "st.other-id.other-secret.other-key", INFISICAL_HOST: mock.url };
  const result = await infisicalProvider().fetch(config(), { credentials: creds(env) });
  assert.match(result.error ?? "", /^Infisical list_secrets failed: Invalid token/);
  assert.ok(!result.error?.includes("other-secret"));
});

Deno.test("infisical - a wrong project is a list_secrets error", async () => {
  await using mock = startMock();
  const env = { INFISICAL_TOKEN: SERVICE_TOKEN, INFISICAL_HOST: mock.url };
  const result = await infisicalProvider().fetch(config({ project_id: "nope" }), {
    credentials: creds(env),
  });
  assert.match(result.error ?? "", /^Infisical list_secrets failed: Project with ID 'nope'/);
  assert.match(result.error ?? "", /HTTP 404, GET \/api\/v3\/secrets\/raw\)$/);
  assertClean(result.error);
});

Deno.test("infisical - a closed port is an error value, quickly", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const env = {
    INFISICAL_CLIENT_ID: CLIENT_ID,
    INFISICAL_CLIENT_SECRET: CLIENT_SECRET,
    INFISICAL_HOST: `http://127.0.0.1:${port}`,
  };
  const started = performance.now();
  const result = await infisicalProvider().fetch(config(), { credentials: creds(env) });
  assert.ok(performance.now() - started < 2000, "the SDK's 15 s retry loop was not skipped");
  assert.match(result.error ?? "", /^Infisical authentication failed: cannot reach http:\/\/127/);
  assertClean(result.error);
});

Deno.test("infisical - a host that does not answer hits the deadline", async () => {
  await using mock = startMock();
  const release = mock.hold();
  const env = { INFISICAL_TOKEN: SERVICE_TOKEN, INFISICAL_HOST: mock.url };
  const result = await infisicalProvider({ timeoutMs: 150 }).fetch(config(), {
    credentials: creds(env),
  });
  release();
  assert.equal(result.error, "Infisical list_secrets failed: no answer within 150 ms");
});

Deno.test("infisical - an aborted signal cancels the fetch", async () => {
  await using mock = startMock();
  const env = { INFISICAL_TOKEN: SERVICE_TOKEN, INFISICAL_HOST: mock.url };
  const signal = AbortSignal.abort();
  const result = await infisicalProvider().fetch(config(), { credentials: creds(env), signal });
  assert.equal(result.error, "Infisical list_secrets failed: cancelled");
});

Deno.test("infisical - base_url on the INFISICAL_HOST origin is used, /api suffix tolerated", async () => {
  await using mock = startMock();
  const env = { INFISICAL_TOKEN: SERVICE_TOKEN, INFISICAL_HOST: mock.url };
  const result = await infisicalProvider().fetch(config({ base_url: `${mock.url}/api/` }), {
    credentials: creds(env),
  });
  assert.equal(result.error, undefined);
  assert.equal(result.secrets.REGION, "eu-west-1");
});

Deno.test("infisical - a notebook base_url on an untrusted origin gets no credentials", async () => {
  await using mock = startMock();
  const env = { INFISICAL_TOKEN: SERVICE_TOKEN };
  const result = await infisicalProvider().fetch(config({ base_url: mock.url }), {
    credentials: creds(env),
  });
  assert.match(result.error ?? "", /base_url 'http:\/\/127\.0\.0\.1:\d+' is not trusted/);
  assert.match(result.error ?? "", /set INFISICAL_HOST=http:\/\/127/);
  assert.deepEqual(mock.counts, { status: 0, login: 0, list: 0 });

  const trusted = infisicalProvider({ trustedOrigins: [mock.url] });
  const ok = await trusted.fetch(config({ base_url: mock.url }), { credentials: creds(env) });
  assert.equal(ok.error, undefined);
});
