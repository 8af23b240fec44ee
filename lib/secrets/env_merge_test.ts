import assert from "node:assert/strict";
import { isBlankedPlaceholder, mergeEnv, publicEnvView } from "./env_merge.ts";

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

Deno.test("publicEnvView - never shows sensitive or fetched values", () => {
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
    { key: "DEBUG", source: "manual", secret: false, hasValue: true, value: "1" },
    { key: "MODE", source: "notebook", secret: false, hasValue: true, value: "test" },
    { key: "REGION", source: "infisical", secret: true, hasValue: true },
  ]);
  const text = JSON.stringify(view);
  for (const v of ["sk-live-1", "eu-west-1", "hunter22"]) assert.ok(!text.includes(v));
});
