// deno-lint-ignore-file no-explicit-any -- JSON answers of the API under test
// Secrets end to end (issue #7): the real @infisical/sdk inside a real server, against a local
// server speaking Infisical's API. Afterwards no secret value may be found on disk or in the log.
import assert from "node:assert/strict";
import { startInfisicalMock } from "./fixtures/infisical_mock.ts";
import { startServer, type TestServer } from "./_server.ts";

const CLIENT_ID = "machine-identity-1";
const CLIENT_SECRET = "cs-9f8e7d6c5b4a-CREDENTIAL";
const SECRET_V1 = "sk-live-FIRST-7a1c2b";
const SECRET_V2 = "sk-live-ROTATED-4d5e6f7a8b";
const MANUAL = "sk-typed-by-hand-0c0c";

function cell(state: any, id: string) {
  return state.cells.find((c: any) => c.id === id);
}

function shown(state: any, id: string): string | undefined {
  return cell(state, id)?.outputs?.displays?.[0]?.data;
}

async function filesContaining(root: string, needles: string[]): Promise<string[]> {
  const hits: string[] = [];
  async function walk(dir: string) {
    for await (const e of Deno.readDir(dir)) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory) await walk(p);
      else if (e.isFile) {
        const text = new TextDecoder("latin1").decode(await Deno.readFile(p));
        for (const n of needles) if (text.includes(n)) hits.push(`${p} contains ${n}`);
      }
    }
  }
  await walk(root);
  return hits;
}

Deno.test("secrets - fetched, overridden, rotated and refreshed without ever reaching disk or logs", async () => {
  await using mock = startInfisicalMock({
    universalAuth: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
  });
  mock.setSecrets({ projectId: "proj-1" }, { API_KEY: SECRET_V1, PLAIN_SETTING: "visible" });
  let s: TestServer | undefined;
  try {
    s = await startServer({
      INFISICAL_CLIENT_ID: CLIENT_ID,
      INFISICAL_CLIENT_SECRET: CLIENT_SECRET,
      INFISICAL_TOKEN: "st.legacy.token.key",
      INFISICAL_HOST: mock.url,
    });
    let r = await s.api("POST", "/v1/notebooks/create", { name: "secrets" });
    const sid = r.body.sessionId;
    r = await s.api("PUT", `/v1/notebooks/${sid}/secret-manager/config`, {
      config: { provider: "infisical", project_id: "proj-1", client_secret: "never-stored" },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(
      r.body.warnings.some((w: string) => /client_secret/.test(w)),
      "credential-like keys are dropped with a warning",
    );
    const state = r.body.state;
    assert.equal(state.secretManager.fetchedKeys, 2);
    assert.equal(
      mock.authMethods.at(-1),
      "universal-auth",
      "universal auth is preferred over a token",
    );
    const apiKey = state.env.find((e: any) => e.key === "API_KEY");
    assert.equal(apiKey.source, "infisical");
    assert.equal(apiKey.secret, true);
    assert.equal(apiKey.value, undefined, "secret values are never sent to clients");
    const toml = await Deno.readTextFile(`${s.dir}/notebooks/secrets/notebook.toml`);
    assert.ok(!toml.includes("never-stored"));

    r = await s.api("POST", `/v1/notebooks/${sid}/cells`, {
      source: 'Deno.env.get("API_KEY")?.length',
    });
    const c = r.body.cellId;
    r = await s.api("POST", `/v1/notebooks/${sid}/cells/${c}/execute`);
    assert.equal(shown(r.body.state, c), String(SECRET_V1.length));

    // A manual value beats the manager's; removing it falls back.
    r = await s.api("PUT", `/v1/notebooks/${sid}/env`, { values: { API_KEY: MANUAL } });
    assert.equal(r.body.env.find((e: any) => e.key === "API_KEY").source, "manual");
    r = await s.api("POST", `/v1/notebooks/${sid}/cells/${c}/execute?mode=rerun`);
    assert.equal(shown(r.body.state, c), String(MANUAL.length));
    r = await s.api("PUT", `/v1/notebooks/${sid}/env`, { values: { API_KEY: null } });
    assert.equal(r.body.env.find((e: any) => e.key === "API_KEY").source, "infisical");

    // Rotation: the cached result stays a cache hit; a re-run sees the new value.
    mock.setSecrets({ projectId: "proj-1" }, { API_KEY: SECRET_V2, PLAIN_SETTING: "visible" });
    r = await s.api("POST", `/v1/notebooks/${sid}/secret-manager/refresh`);
    assert.equal(r.status, 200);
    r = await s.api("POST", `/v1/notebooks/${sid}/cells/${c}/execute`);
    assert.equal(r.body.run.cells[0].cacheHit, true, "secret rotation keeps cached results");
    r = await s.api("POST", `/v1/notebooks/${sid}/cells/${c}/execute?mode=rerun`);
    assert.equal(shown(r.body.state, c), String(SECRET_V2.length));

    // Saving an unchanged config does not touch notebook.toml's updated_at.
    const updatedAt = (await s.api("GET", `/v1/notebooks/${sid}`)).body.notebook.updatedAt;
    r = await s.api("PUT", `/v1/notebooks/${sid}/secret-manager/config`, {
      config: { provider: "infisical", project_id: "proj-1" },
    });
    assert.equal(r.body.state.notebook.updatedAt, updatedAt);

    // Bad credentials: the error is shown, refresh still answers, and the notebook still opens.
    mock.setUniversalAuth(null);
    r = await s.api("POST", `/v1/notebooks/${sid}/secret-manager/refresh`);
    assert.equal(r.status, 200);
    assert.match(r.body.secretManager.lastError, /^Infisical authentication failed/);
    await s.restart();
    r = await s.api("POST", "/v1/notebooks/open", { path: "secrets" });
    assert.equal(r.status, 200);
    assert.match(r.body.secretManager.lastError, /^Infisical authentication failed/);
    await s.stop();

    const leaks = await filesContaining(s.dir, [SECRET_V1, SECRET_V2, MANUAL, CLIENT_SECRET]);
    const logLeaks = [SECRET_V1, SECRET_V2, MANUAL, CLIENT_SECRET].filter((v) =>
      s!.logs().includes(v)
    );
    assert.deepEqual(leaks, [], "no secret value under the notebook folder, artifacts or database");
    assert.deepEqual(logLeaks, [], "no secret value in the server log");
  } finally {
    await s?.close();
  }
});

Deno.test("secrets - without credentials the notebook opens and shows the documented message", async () => {
  const s = await startServer();
  try {
    let r = await s.api("POST", "/v1/notebooks/create", { name: "nocreds" });
    r = await s.api("PUT", `/v1/notebooks/${r.body.sessionId}/secret-manager/config`, {
      config: { provider: "infisical", project_id: "p" },
    });
    assert.equal(r.status, 200);
    assert.match(
      r.body.state.secretManager.lastError,
      /^No Infisical credentials in the process environment/,
    );
  } finally {
    await s.close();
  }
});

Deno.test("secrets - a DATABASE_URL from Infisical is a secret by source: rotation keeps the cache hit, printing it stores [secret:DATABASE_URL]", async () => {
  const DB_V1 = "postgres://app:pw-first-51f0@db.internal/app";
  const DB_V2 = "postgres://app:pw-rotated-9c3d@db.internal/app";
  await using mock = startInfisicalMock({
    universalAuth: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
  });
  mock.setSecrets({ projectId: "proj-db" }, { DATABASE_URL: DB_V1 });
  const s = await startServer({
    INFISICAL_CLIENT_ID: CLIENT_ID,
    INFISICAL_CLIENT_SECRET: CLIENT_SECRET,
    INFISICAL_HOST: mock.url,
  });
  try {
    let r = await s.api("POST", "/v1/notebooks/create", { name: "dburl" });
    const sid = r.body.sessionId;
    r = await s.api("PUT", `/v1/notebooks/${sid}/secret-manager/config`, {
      config: { provider: "infisical", project_id: "proj-db" },
    });
    assert.equal(r.body.state.secretManager.fetchedKeys, 1, JSON.stringify(r.body));
    r = await s.api("POST", `/v1/notebooks/${sid}/cells`, {
      source: 'const url = Deno.env.get("DATABASE_URL") ?? "";\n' +
        'console.log("connecting to", url);\n' +
        "`host ${new URL(url).host} via ${url}`",
    });
    const c = r.body.cellId;
    r = await s.api("POST", `/v1/notebooks/${sid}/cells/${c}/execute`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const out = cell(r.body.state, c).outputs;
    assert.equal(out.error, null, JSON.stringify(out));
    assert.equal(out.console.length, 1);
    assert.equal(out.console[0].text, "connecting to [secret:DATABASE_URL]\n");
    assert.match(out.displays[0].data, /host db\.internal via \[secret:DATABASE_URL\]/);
    const consoleFile = await Deno.readTextFile(
      `${s.dir}/notebooks/dburl/.strata/console/${c}.json`,
    );
    assert.ok(consoleFile.includes("[secret:DATABASE_URL]"), consoleFile);

    // Rotation in Infisical, then refresh: the name does not look sensitive, the source does.
    mock.setSecrets({ projectId: "proj-db" }, { DATABASE_URL: DB_V2 });
    r = await s.api("POST", `/v1/notebooks/${sid}/secret-manager/refresh`);
    assert.equal(r.status, 200);
    assert.equal(cell(r.body, c).status, "ready", "rotation does not make the cell stale");
    r = await s.api("POST", `/v1/notebooks/${sid}/cells/${c}/execute`);
    assert.equal(r.body.run.cells[0].cacheHit, true, "rotating DATABASE_URL keeps the cache hit");
    r = await s.api("POST", `/v1/notebooks/${sid}/cells/${c}/execute?mode=rerun`);
    assert.equal(
      cell(r.body.state, c).outputs.console[0].text,
      "connecting to [secret:DATABASE_URL]\n",
    );
    r = await s.api("GET", `/v1/notebooks/${sid}`);
    assert.deepEqual(
      r.body.env.find((e: any) => e.key === "DATABASE_URL"),
      { key: "DATABASE_URL", source: "infisical", secret: true, hasValue: true },
    );
    await s.stop();
    const leaks = await filesContaining(s.dir, [DB_V1, DB_V2, "pw-first-51f0", "pw-rotated-9c3d"]);
    assert.deepEqual(
      leaks,
      [],
      "no DATABASE_URL value in notebook files, console logs, artifacts or db",
    );
    assert.ok(!s.logs().includes("pw-first-51f0") && !s.logs().includes("pw-rotated-9c3d"));
  } finally {
    await s.close();
  }
});

Deno.test("secrets - PUT /env with secret: the value never reaches notebook.toml, an answer, the socket state or a stored output", async () => {
  const VALUE = "postgres://typed:by-hand-77aa@db/x";
  const s = await startServer();
  try {
    let r = await s.api("POST", "/v1/notebooks/create", { name: "manual" });
    const sid = r.body.sessionId;
    r = await s.api("PUT", `/v1/notebooks/${sid}/env`, {
      values: { DATABASE_URL: "postgres://plain" },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const toml = () => Deno.readTextFile(`${s.dir}/notebooks/manual/notebook.toml`);
    assert.match(await toml(), /DATABASE_URL = "postgres:\/\/plain"/, "a plain value is stored");

    r = await s.api("PUT", `/v1/notebooks/${sid}/env`, {
      values: { DATABASE_URL: VALUE, REGION: "eu" },
      secret: { DATABASE_URL: true },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(!JSON.stringify(r.body).includes("by-hand-77aa"), "the answer does not echo it");
    assert.deepEqual(r.body.env.find((e: any) => e.key === "DATABASE_URL"), {
      key: "DATABASE_URL",
      source: "manual",
      secret: true,
      hasValue: true,
    });
    let text = await toml();
    assert.ok(!text.includes("by-hand-77aa") && !text.includes("postgres://plain"), text);
    assert.match(text, /REGION = "eu"/);

    // Updating it again without the flag keeps it a secret (never falls back to disk).
    r = await s.api("PUT", `/v1/notebooks/${sid}/env`, { values: { DATABASE_URL: VALUE + "2" } });
    assert.ok(!(await toml()).includes("by-hand-77aa"));

    // A sensitive name cannot be downgraded; a flag without a value is refused.
    r = await s.api("PUT", `/v1/notebooks/${sid}/env`, {
      values: { API_KEY: "k" },
      secret: { API_KEY: false },
    });
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /'API_KEY'.*always secrets/);
    r = await s.api("PUT", `/v1/notebooks/${sid}/env`, { values: {}, secret: { X_URL: true } });
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /values\.X_URL must be a string/);

    r = await s.api("POST", `/v1/notebooks/${sid}/cells`, {
      source: 'console.log(Deno.env.get("DATABASE_URL"));\nDeno.env.get("DATABASE_URL")',
    });
    const c = r.body.cellId;
    r = await s.api("POST", `/v1/notebooks/${sid}/cells/${c}/execute`);
    const out = cell(r.body.state, c).outputs;
    assert.equal(out.console[0].text, "[secret:DATABASE_URL]\n");
    assert.ok(!JSON.stringify(r.body).includes("by-hand-77aa"));
    text = await toml();
    assert.ok(!text.includes("by-hand-77aa"), text);
    await s.stop();
    assert.deepEqual(await filesContaining(s.dir, ["by-hand-77aa"]), []);
    assert.ok(!s.logs().includes("by-hand-77aa"));
  } finally {
    await s.close();
  }
});

const PROXY_TOKEN = "secrets-e2e-proxy-token-0123";

function as(tenant: string, scopes = "notebook:read notebook:write notebook:execute") {
  return {
    "X-Strata-Proxy-Token": PROXY_TOKEN,
    "X-Strata-Principal": `${tenant}-user`,
    "X-Strata-Scopes": scopes,
    "X-Tenant-ID": tenant,
  };
}

async function findFile(dir: string, name: string, containing: string): Promise<string | null> {
  for await (const e of Deno.readDir(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) {
      const found = await findFile(p, name, containing);
      if (found) return found;
    } else if (e.name === name && (await Deno.readTextFile(p)).includes(containing)) return p;
  }
  return null;
}

Deno.test("secrets - service mode: tenant A pointing its notebook at tenant B's Infisical project is refused (403 and at open) and audited", async () => {
  const B_SECRET = "sk-tenant-b-only-6e6e6e";
  await using mock = startInfisicalMock({
    universalAuth: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
  });
  mock.setSecrets({ projectId: "proj-a" }, { API_KEY: "sk-tenant-a-1a1a1a" });
  mock.setSecrets({ projectId: "proj-a", environment: "prod" }, { API_KEY: "sk-a-prod-2b2b2b" });
  mock.setSecrets({ projectId: "proj-b" }, { API_KEY: B_SECRET });
  const artifacts = await Deno.makeTempDir({ prefix: "strata-secrets-art-" });
  const s = await startServer({
    STRATA_DEPLOYMENT_MODE: "service",
    STRATA_AUTH_MODE: "trusted_proxy",
    STRATA_PROXY_TOKEN: PROXY_TOKEN,
    STRATA_AUDIT_HMAC_KEY: "e".repeat(40),
    STRATA_ARTIFACT_DIR: artifacts,
    STRATA_MULTI_TENANT_ENABLED: "true",
    STRATA_SECRET_MANAGER_POLICY: JSON.stringify({
      "team-a": { projects: ["proj-a"], environments: ["dev"] },
      "team-b": { projects: ["proj-b"] },
    }),
    INFISICAL_CLIENT_ID: CLIENT_ID,
    INFISICAL_CLIENT_SECRET: CLIENT_SECRET,
    INFISICAL_HOST: mock.url,
  });
  try {
    const A = as("team-a");
    let r = await s.api("POST", "/v1/notebooks/create", { name: "nb-a" }, A);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    let sid = r.body.sessionId;
    const listsBefore = mock.counts.list;

    // 1. Through the API: B's project, and A's project in an environment not granted.
    r = await s.api("PUT", `/v1/notebooks/${sid}/secret-manager/config`, {
      config: { provider: "infisical", project_id: "proj-b" },
    }, A);
    assert.equal(r.status, 403, JSON.stringify(r.body));
    assert.match(
      r.body.error.message,
      /^Secret manager project 'proj-b' \(environment 'dev'\) is not allowed for tenant 'team-a' by secret_manager_policy/,
    );
    r = await s.api("PUT", `/v1/notebooks/${sid}/secret-manager/config`, {
      config: { provider: "infisical", project_id: "proj-a", environment: "prod" },
    }, A);
    assert.equal(r.status, 403);
    assert.match(r.body.error.message, /'proj-a' \(environment 'prod'\)/);
    assert.equal(mock.counts.list, listsBefore, "nothing was fetched for a refused config");
    const toml = await findFile(`${s.dir}/notebooks`, "notebook.toml", "nb-a");
    assert.ok(toml);
    assert.ok(!(await Deno.readTextFile(toml)).includes("proj-b"), "a refused config is not saved");

    // A grant the policy allows works.
    r = await s.api("PUT", `/v1/notebooks/${sid}/secret-manager/config`, {
      config: { provider: "infisical", project_id: "proj-a" },
    }, A);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.state.secretManager.fetchedKeys, 1);

    // 2. On disk (a synced or hand-edited notebook.toml): refused at open, nothing fetched.
    await Deno.writeTextFile(
      toml,
      (await Deno.readTextFile(toml)).replace('project_id = "proj-a"', 'project_id = "proj-b"'),
    );
    await s.restart(); // sessions are memory; the next open reads notebook.toml again
    const listsAtReopen = mock.counts.list;
    r = await s.api("POST", "/v1/notebooks/open", { path: "nb-a" }, A);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    sid = r.body.sessionId;
    assert.match(r.body.secretManager.lastError, /'proj-b' .* not allowed for tenant 'team-a'/);
    assert.equal(r.body.secretManager.fetchedKeys, 0);
    assert.equal(mock.counts.list, listsAtReopen, "the refused project was never asked for");
    r = await s.api("POST", `/v1/notebooks/${sid}/secret-manager/refresh`, undefined, A);
    assert.equal(r.status, 403);
    r = await s.api("POST", `/v1/notebooks/${sid}/cells`, {
      source: 'Deno.env.get("API_KEY") ?? "none"',
    }, A);
    const c = r.body.cellId;
    r = await s.api("POST", `/v1/notebooks/${sid}/cells/${c}/execute`, undefined, A);
    assert.equal(shown(r.body.state, c), "none", "no value of B's reached A's cell");
    assert.ok(!JSON.stringify(r.body).includes(B_SECRET));

    // 3. Every refusal is in tenant A's audit log; tenant B's log has none of them.
    r = await s.api(
      "GET",
      "/v1/audit/events?action=secret_manager.deny",
      undefined,
      as("team-a", "admin:audit"),
    );
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const denials = r.body.events.map((e: any) => ({
      actor: e.actor,
      ...JSON.parse(e.detailsJson),
    }));
    assert.equal(denials.length, 4, JSON.stringify(denials));
    assert.deepEqual(
      denials.map((d: any) => [d.actor, d.project_id, d.environment, d.trigger ?? "open"]),
      [
        ["team-a-user", "proj-b", "dev", "config"],
        ["team-a-user", "proj-a", "prod", "config"],
        [null, "proj-b", "dev", "open"],
        ["team-a-user", "proj-b", "dev", "refresh"],
      ],
    );
    r = await s.api(
      "GET",
      "/v1/audit/events?action=secret_manager.deny",
      undefined,
      as("team-b", "admin:audit"),
    );
    assert.deepEqual(r.body.events, []);
    r = await s.api("GET", "/v1/audit/verify", undefined, as("team-a", "admin:audit"));
    assert.equal(r.body.ok, true, JSON.stringify(r.body));

    // Tenant B reads its own project.
    r = await s.api("POST", "/v1/notebooks/create", { name: "nb-b" }, as("team-b"));
    r = await s.api("PUT", `/v1/notebooks/${r.body.sessionId}/secret-manager/config`, {
      config: { provider: "infisical", project_id: "proj-b" },
    }, as("team-b"));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.state.secretManager.fetchedKeys, 1);
  } finally {
    await s.close();
    await Deno.remove(artifacts, { recursive: true });
  }
});
