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
