import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "../config/load.ts";
import { checkCoherence } from "../config/coherence.ts";
import { serverPermissionFlags } from "../launcher/permissions.ts";
import { promptEnvHash } from "./service.ts";

const KEY = "sk-live-0123456789abcdef0123";
const AI = {
  HOME: "/home/u",
  STRATA_AI_BASE_URL: "https://llm.example.com:8443/v1",
  STRATA_AI_MODEL: "gpt-test",
  STRATA_AI_API_KEYS: ` ${KEY} , sk-second-key-0000000000 `,
};

Deno.test("ai settings - read from STRATA_AI_*, keys as a trimmed pool, defaults applied", () => {
  const { config } = loadConfig(AI);
  assert.deepEqual(config.ai, {
    baseUrl: "https://llm.example.com:8443/v1",
    model: "gpt-test",
    apiKeys: [KEY, "sk-second-key-0000000000"],
    timeoutSeconds: 120,
    maxTokens: 1024,
    tenantDailyTokenBudget: 0,
  });
  assert.deepEqual(checkCoherence(config).conflicts, []);
  assert.equal(loadConfig({ HOME: "/h" }).config.ai, undefined);
});

Deno.test("ai settings - a bad value is reported without echoing any key", () => {
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig({ HOME: "/h", ...env });
    } catch (e) {
      if (e instanceof ConfigError) return e.message;
    }
    return assert.fail("expected a ConfigError");
  };
  assert.match(problems({ STRATA_AI_BASE_URL: "ftp://llm.example.com/v1" }), /ai_base_url/);
  const tooMany = problems({ STRATA_AI_API_KEYS: Array(70).fill(KEY).join(",") });
  assert.match(tooMany, /ai_api_keys = <redacted>/);
  assert.ok(!tooMany.includes(KEY));
});

Deno.test("ai settings - incoherent combinations are listed with a fix", () => {
  const noUrl = loadConfig({ HOME: "/h", STRATA_AI_MODEL: "m", STRATA_AI_API_KEYS: KEY }).config;
  assert.match(
    checkCoherence(noUrl).conflicts.join("\n"),
    /ai_model, ai_api_keys set without ai_base_url/,
  );
  const noModel =
    loadConfig({ HOME: "/h", STRATA_AI_BASE_URL: "http://127.0.0.1:11434/v1" }).config;
  assert.match(checkCoherence(noModel).conflicts.join("\n"), /ai_base_url set without ai_model/);
});

Deno.test("ai settings - the server's net permission adds the AI host, and only it", () => {
  const flags = serverPermissionFlags(loadConfig(AI).config, {
    denoPath: "/opt/deno",
    codeRoot: "/app",
    env: {},
  });
  const net = flags.find((f) => f.startsWith("--allow-net="))!;
  assert.equal(net, "--allow-net=127.0.0.1:8765,llm.example.com:8443");
  assert.ok(!flags.join(" ").includes(KEY));
});

Deno.test("ai settings - the prompt env hash covers endpoint, model and max tokens, never keys", () => {
  const base = { baseUrl: "https://llm.example.com/v1", model: "a", maxTokens: 10 };
  const h = promptEnvHash(base);
  assert.equal(promptEnvHash({ ...base, apiKeys: ["other"] } as typeof base), h);
  assert.equal(promptEnvHash({ ...base, baseUrl: "https://llm.example.com/v1/?key=zzz" }), h);
  assert.notEqual(promptEnvHash({ ...base, model: "b" }), h);
  assert.notEqual(promptEnvHash({ ...base, maxTokens: 11 }), h);
  assert.notEqual(promptEnvHash({ ...base, baseUrl: "http://127.0.0.1:11434/v1" }), h);
});
