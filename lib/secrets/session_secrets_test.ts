import { readCredentials } from "../config/credentials.ts";
import assert from "node:assert/strict";
import { startInfisicalMock } from "../../tests/fixtures/infisical_mock.ts";
import { ValidationError } from "../errors.ts";
import { createLogger } from "../log.ts";
import { infisicalProvider } from "./infisical.ts";
import { createSecretProviderRegistry, type SecretManagerConfig } from "./provider.ts";
import { createSessionSecrets } from "./session_secrets.ts";

const CLIENT_ID = "session-client-id";
const CLIENT_SECRET = "session-client-secret-xyz";
const CONFIG: SecretManagerConfig = {
  provider: "infisical",
  project_id: "proj-1",
  environment: "dev",
  path: "/",
};

function setup(notebookEnv: Record<string, string> = { OPENAI_API_KEY: "", MODE: "test" }) {
  const mock = startInfisicalMock({
    universalAuth: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
  });
  mock.setSecrets({ projectId: "proj-1" }, { OPENAI_API_KEY: "sk-old-0001", MODE: "prod" });
  const lines: string[] = [];
  const session = createSessionSecrets({
    registry: createSecretProviderRegistry([infisicalProvider({ timeoutMs: 2000 })]),
    credentials: readCredentials({
      INFISICAL_CLIENT_ID: CLIENT_ID,
      INFISICAL_CLIENT_SECRET: CLIENT_SECRET,
      INFISICAL_HOST: mock.url,
    }, () => false),
    log: createLogger({ level: "debug", format: "json", sink: (l) => lines.push(l) }),
    notebookEnv,
  });
  return { mock, session, lines };
}

Deno.test("session secrets - load fetches and merges with sources", async () => {
  const { mock, session } = setup();
  await using _ = mock;
  const status = await session.load(CONFIG);
  assert.equal(status.lastError, undefined);
  assert.equal(status.fetchedKeys, 2);
  assert.ok(session.fetchedAt instanceof Date);
  const { env, sources } = session.merged();
  assert.equal(env.OPENAI_API_KEY, "sk-old-0001");
  assert.equal(sources.OPENAI_API_KEY, "infisical");
  assert.equal(env.MODE, "test", "a notebook value is not overwritten");
});

Deno.test("session secrets - refresh picks up a rotated value", async () => {
  const { mock, session } = setup();
  await using _ = mock;
  await session.load(CONFIG);
  mock.setSecrets({ projectId: "proj-1" }, { OPENAI_API_KEY: "sk-new-0002" });
  await session.refresh();
  assert.equal(session.merged().env.OPENAI_API_KEY, "sk-new-0002");
  assert.equal(mock.counts.list, 2);
});

Deno.test("session secrets - a failed refresh keeps the last values and exposes the error", async () => {
  const { mock, session, lines } = setup();
  await using _ = mock;
  await session.load(CONFIG);
  const firstFetch = session.fetchedAt;
  mock.setUniversalAuth({ clientId: CLIENT_ID, clientSecret: "rotated-elsewhere" });
  const status = await session.refresh();
  assert.match(status.lastError ?? "", /^Infisical authentication failed: Invalid credentials/);
  assert.equal(session.lastError, status.lastError);
  assert.equal(session.fetchedAt, firstFetch);
  assert.equal(session.merged().env.OPENAI_API_KEY, "sk-old-0001");
  assert.ok(lines.some((l) => l.includes("secret manager fetch failed")));

  mock.setUniversalAuth({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
  assert.equal((await session.refresh()).lastError, undefined, "a good refresh clears the error");
});

Deno.test("session secrets - a manual value wins; removing it falls back to the manager", async () => {
  const { mock, session } = setup();
  await using _ = mock;
  await session.load(CONFIG);
  session.setManual("OPENAI_API_KEY", "sk-typed-9999");
  assert.equal(session.merged().env.OPENAI_API_KEY, "sk-typed-9999");
  assert.equal(session.merged().sources.OPENAI_API_KEY, "manual");
  mock.setSecrets({ projectId: "proj-1" }, { OPENAI_API_KEY: "sk-new-0002" });
  await session.refresh();
  assert.equal(session.merged().env.OPENAI_API_KEY, "sk-typed-9999", "still overridden");
  assert.equal(session.removeManual("OPENAI_API_KEY"), true);
  assert.equal(session.removeManual("OPENAI_API_KEY"), false);
  assert.equal(session.merged().env.OPENAI_API_KEY, "sk-new-0002");
  assert.throws(() => session.setManual("A=B", "x"), ValidationError);
});

Deno.test("session secrets - a fetch error at open still yields a usable env", async () => {
  const { mock, session } = setup({ MODE: "test" });
  await using _ = mock;
  const status = await session.load({ ...CONFIG, project_id: "missing" });
  assert.match(status.lastError ?? "", /^Infisical list_secrets failed: Project with ID 'missing'/);
  assert.deepEqual(session.merged().env, { MODE: "test" });
  assert.equal(status.configured, true);
  assert.equal(status.fetchedAt, undefined);
});

Deno.test("session secrets - a new config drops values fetched under the old one", async () => {
  const { mock, session } = setup({});
  await using _ = mock;
  await session.load(CONFIG);
  const status = await session.load({ ...CONFIG, environment: "prod" });
  assert.match(status.lastError ?? "", /Environment with slug 'prod' not found/);
  assert.deepEqual(session.merged().env, {});
  await session.load(null);
  assert.deepEqual(session.status(), { configured: false, config: null, fetchedKeys: 0 });
  assert.match((await session.refresh()).lastError ?? "", /No secret manager is configured/);
});

Deno.test("session secrets - view, status and logs never contain a secret value", async () => {
  const { mock, session, lines } = setup();
  await using _ = mock;
  await session.load(CONFIG);
  session.setManual("DB_PASSWORD", "manual-pass-777");
  mock.setUniversalAuth(null);
  await session.refresh();
  const shown = JSON.stringify([session.view(), session.status(), lines]);
  for (const v of ["sk-old-0001", "manual-pass-777", CLIENT_ID, CLIENT_SECRET]) {
    assert.ok(!shown.includes(v), `leaked ${v}`);
  }
  const row = session.view().find((r) => r.key === "OPENAI_API_KEY");
  assert.deepEqual(row, {
    key: "OPENAI_API_KEY",
    source: "infisical",
    secret: true,
    hasValue: true,
  });
});

Deno.test("session secrets - a config the policy refuses is never fetched, and the refusal is reported", async () => {
  await using mock = startInfisicalMock({
    universalAuth: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
  });
  mock.setSecrets({ projectId: "proj-1" }, { OPENAI_API_KEY: "sk-mine-0001" });
  mock.setSecrets({ projectId: "proj-other" }, { OPENAI_API_KEY: "sk-theirs-0002" });
  const denied: string[] = [];
  const session = createSessionSecrets({
    registry: createSecretProviderRegistry([infisicalProvider({ timeoutMs: 2000 })]),
    credentials: readCredentials({
      INFISICAL_CLIENT_ID: CLIENT_ID,
      INFISICAL_CLIENT_SECRET: CLIENT_SECRET,
      INFISICAL_HOST: mock.url,
    }, () => false),
    log: createLogger({ level: "error", format: "json", sink: () => {} }),
    authorize: (c) =>
      c.project_id === "proj-1"
        ? { allow: true, rule: "t" }
        : { allow: false, reason: `project '${c.project_id}' refused` },
    onDeny: (c) => {
      denied.push(c.project_id);
    },
  });
  await session.load(CONFIG);
  assert.equal(session.merged().env.OPENAI_API_KEY, "sk-mine-0001");
  const listsBefore = mock.counts.list;
  const status = await session.load({ ...CONFIG, project_id: "proj-other" });
  assert.equal(mock.counts.list, listsBefore, "the refused project was not asked for");
  assert.equal(status.lastError, "project 'proj-other' refused");
  assert.equal(status.fetchedKeys, 0);
  assert.equal(session.merged().env.OPENAI_API_KEY, undefined, "no value lingers");
  await session.refresh();
  assert.deepEqual(denied, ["proj-other", "proj-other"]);
  assert.equal(session.check(CONFIG).allow, true);
});
