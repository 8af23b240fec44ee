import assert from "node:assert/strict";
import {
  entersAsSecret,
  isBlankedPlaceholder,
  mergeEnv,
  publicEnvView,
  secretValues,
} from "./env_merge.ts";

Deno.test("mergeEnv - fetched values fill absent keys and blanked placeholders", () => {
  const merged = mergeEnv({
    notebookEnv: { API_KEY: "", MODE: "test" },
    fetched: { API_KEY: "sk-live-1", DATABASE_URL: "postgres://x" },
    fetchedSource: "infisical",
  });
  assert.deepEqual(merged.env, {
    API_KEY: "sk-live-1",
    MODE: "test",
    DATABASE_URL: "postgres://x",
  });
  assert.deepEqual(merged.sources, {
    API_KEY: "infisical",
    MODE: "notebook",
    DATABASE_URL: "infisical",
  });
});

Deno.test("mergeEnv - a non-blank notebook value is not overwritten by the manager", () => {
  const merged = mergeEnv({
    notebookEnv: { MODE: "local", API_TOKEN: "typed-in-toml" },
    fetched: { MODE: "from-manager", API_TOKEN: "from-manager" },
    fetchedSource: "infisical",
  });
  assert.equal(merged.env.MODE, "local");
  assert.equal(merged.env.API_TOKEN, "typed-in-toml");
  assert.equal(merged.sources.MODE, "notebook");
});

Deno.test("mergeEnv - an empty non-sensitive notebook value is a choice, not a placeholder", () => {
  const merged = mergeEnv({
    notebookEnv: { HTTP_PROXY: "" },
    fetched: { HTTP_PROXY: "http://proxy" },
    fetchedSource: "infisical",
  });
  assert.equal(merged.env.HTTP_PROXY, "");
  assert.equal(isBlankedPlaceholder("HTTP_PROXY", ""), false);
  assert.equal(isBlankedPlaceholder("db_password", ""), true);
});

Deno.test("mergeEnv - a manual value beats the manager; removing it falls back", () => {
  const base = {
    notebookEnv: { API_KEY: "" },
    fetched: { API_KEY: "from-manager" },
    fetchedSource: "infisical",
  };
  const overridden = mergeEnv({ ...base, manual: { API_KEY: "typed" } });
  assert.equal(overridden.env.API_KEY, "typed");
  assert.equal(overridden.sources.API_KEY, "manual");
  const fallenBack = mergeEnv({ ...base, manual: {} });
  assert.equal(fallenBack.env.API_KEY, "from-manager");
  assert.equal(fallenBack.sources.API_KEY, "infisical");
});

Deno.test("publicEnvView - never shows sensitive, fetched or manual (entered as secret) values", () => {
  const merged = mergeEnv({
    notebookEnv: { MODE: "test", API_KEY: "" },
    fetched: { API_KEY: "sk-live-1", REGION: "eu-west-1" },
    manual: { DB_PASSWORD: "hunter22", DEBUG: "1" },
    fetchedSource: "infisical",
  });
  const view = publicEnvView(merged);
  assert.deepEqual(view, [
    { key: "API_KEY", source: "infisical", secret: true, hasValue: true },
    { key: "DB_PASSWORD", source: "manual", secret: true, hasValue: true },
    { key: "DEBUG", source: "manual", secret: true, hasValue: true },
    { key: "MODE", source: "notebook", secret: false, hasValue: true, value: "test" },
    { key: "REGION", source: "infisical", secret: true, hasValue: true },
  ]);
  const text = JSON.stringify(view);
  for (const v of ["sk-live-1", "eu-west-1", "hunter22"]) assert.ok(!text.includes(v));
});

Deno.test("mergeEnv - secrets by source: a fetched DATABASE_URL is secret, a notebook one is not", () => {
  const merged = mergeEnv({
    notebookEnv: { MODE: "test", DATABASE_URL: "postgres://visible", OLD_TOKEN: "t" },
    fetched: { DATABASE_URL: "ignored: notebook wins", REPLICA_URL: "postgres://fetched" },
    manual: { SESSION_URL: "typed-as-secret" },
    fetchedSource: "infisical",
  });
  assert.deepEqual([...merged.secretKeys].sort(), ["OLD_TOKEN", "REPLICA_URL", "SESSION_URL"]);
  assert.deepEqual(secretValues(merged), {
    OLD_TOKEN: "t",
    REPLICA_URL: "postgres://fetched",
    SESSION_URL: "typed-as-secret",
  });
});

Deno.test("entersAsSecret - the flag decides; a current secret stays one; sensitive names always are", () => {
  assert.equal(entersAsSecret("DATABASE_URL", undefined, undefined), false);
  assert.equal(entersAsSecret("DATABASE_URL", true, "notebook"), true);
  assert.equal(entersAsSecret("DATABASE_URL", undefined, "infisical"), true);
  assert.equal(entersAsSecret("DATABASE_URL", undefined, "manual"), true);
  assert.equal(entersAsSecret("DATABASE_URL", false, "manual"), false);
  assert.equal(entersAsSecret("API_KEY", undefined, undefined), true);
  assert.throws(
    () => entersAsSecret("API_KEY", false, undefined),
    /Cannot store env key 'API_KEY' as a plain value: names containing KEY, SECRET, TOKEN, PASSWORD or CREDENTIAL/,
  );
});
