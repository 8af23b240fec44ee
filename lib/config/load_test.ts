import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "./load.ts";

const HOME = { HOME: "/home/ada" };

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  assert.fail("expected a ConfigError");
}

Deno.test("config - nothing configured gives personal loopback defaults under ~/.strata", () => {
  const { config, warnings } = loadConfig(HOME);
  assert.equal(config.deploymentMode, "personal");
  assert.equal(config.host, "127.0.0.1");
  assert.equal(config.port, 8765);
  assert.equal(config.sqlitePath, "/home/ada/.strata/strata.db");
  assert.equal(config.artifactDir, "/home/ada/.strata/artifacts");
  assert.equal(config.notebookStorageDir, "/home/ada/.strata/notebooks");
  assert.deepEqual(warnings, []);
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.rateLimit));
});

Deno.test("config - env beats the file, the file beats defaults", () => {
  const file = { path: "strata.toml", text: 'port = 9000\nhost = "127.0.0.2"\n' };
  const { config } = loadConfig({ ...HOME, STRATA_PORT: "9100" }, file);
  assert.equal(config.port, 9100);
  assert.equal(config.host, "127.0.0.2");
  assert.equal(config.sources.port, "env STRATA_PORT");
  assert.equal(config.sources.host, "strata.toml");
});

Deno.test("config - 'false' and '0' parse as false", () => {
  for (const v of ["false", "0", "no", "off", "FALSE"]) {
    const { config } = loadConfig({ ...HOME, STRATA_RATE_LIMIT_ENABLED: v });
    assert.equal(config.rateLimit.enabled, false, v);
  }
  const { config } = loadConfig({ ...HOME, STRATA_RATE_LIMIT_ENABLED: "1" });
  assert.equal(config.rateLimit.enabled, true);
});

Deno.test("config - a bad value names the key, the value and where it came from", () => {
  const problems = problemsOf(() =>
    loadConfig({ ...HOME, STRATA_PORT: "eighty", STRATA_DEPLOYMENT_MODE: "shared" })
  );
  assert.equal(problems.length, 2);
  assert.match(
    problems.find((p) => p.startsWith("port"))!,
    /"eighty".*env STRATA_PORT.*whole number/,
  );
  assert.match(
    problems.find((p) => p.startsWith("deployment_mode"))!,
    /"shared".*STRATA_DEPLOYMENT_MODE/,
  );
});

Deno.test("config - a bad boolean is an error, not true", () => {
  const problems = problemsOf(() => loadConfig({ ...HOME, STRATA_MULTI_TENANT_ENABLED: "maybe" }));
  assert.match(problems[0], /multi_tenant_enabled = "maybe".*true\/false/);
});

Deno.test("config - malformed TOML names line and column", () => {
  const file = { path: "/etc/strata.toml", text: 'port = 8765\nhost = "127.0.0.1\n' };
  const problems = problemsOf(() => loadConfig(HOME, file));
  assert.match(problems[0], /^\/etc\/strata\.toml:2:\d+: malformed TOML/);
});

Deno.test("config - unknown keys are reported with a suggestion", () => {
  const file = { path: "strata.toml", text: "prot = 1\n" };
  assert.match(
    problemsOf(() => loadConfig(HOME, file))[0],
    /unknown key 'prot'.*did you mean 'port'/,
  );
  const { warnings } = loadConfig({ ...HOME, STRATA_HSOT: "x" });
  assert.match(warnings[0], /STRATA_HSOT.*did you mean 'host'/);
});

Deno.test("config - secrets are never echoed in errors", () => {
  const problems = problemsOf(() => loadConfig({ ...HOME, STRATA_PROXY_TOKEN: "short-secret" }));
  assert.match(problems[0], /proxy_token = <redacted>/);
  assert.ok(!problems[0].includes("short-secret"));
});

Deno.test("config - acl_config from JSON env and lists from comma strings", () => {
  const { config } = loadConfig({
    ...HOME,
    STRATA_ACL_CONFIG: '{"default":"allow"}',
    STRATA_OUTBOUND_HOSTS: "vault.internal:8200, app.infisical.com",
  });
  assert.deepEqual(config.acl, { default: "allow" });
  assert.deepEqual(config.outboundHosts, ["vault.internal:8200", "app.infisical.com"]);
});

Deno.test("config - secret_manager_policy from TOML tables, every problem named", () => {
  const file = {
    path: "strata.toml",
    text: '[secret_manager_policy.team-a]\nprojects = ["proj-a"]\nenvironments = ["dev"]\n' +
      '[secret_manager_policy."lab-*"]\nprojects = ["{tenant}-secrets"]\n',
  };
  const { config } = loadConfig(HOME, file);
  // Parsed once at load: the typed policy, environments defaulting to any.
  assert.deepEqual(JSON.parse(JSON.stringify(config.secretManagerPolicy)), {
    rules: [
      { tenant: "team-a", projects: ["proj-a"], environments: ["dev"] },
      { tenant: "lab-*", projects: ["{tenant}-secrets"], environments: ["*"] },
    ],
  });
  const problems = problemsOf(() =>
    loadConfig({
      ...HOME,
      STRATA_SECRET_MANAGER_POLICY: '{"t":{"projects":[]},"u":{"project":["x"]}}',
    })
  );
  assert.equal(problems.length, 1);
  assert.match(
    problems[0],
    /^secret_manager_policy = .*"t"\.projects must list at least one entry/,
  );
  assert.match(problems[0], /"u": unknown key 'project'/);
});

Deno.test("config - audit_retired_keys: a comma list of <id>:<key>; problems never show a key", () => {
  const { config } = loadConfig({
    ...HOME,
    STRATA_AUDIT_RETIRED_KEYS: `k2025:${"a".repeat(32)}, ${"b".repeat(40)}`,
  });
  assert.deepEqual(config.auditRetiredKeys, [`k2025:${"a".repeat(32)}`, "b".repeat(40)]);
  const problems = problemsOf(() =>
    loadConfig({ ...HOME, STRATA_AUDIT_RETIRED_KEYS: "old:too-short-key-material" })
  );
  assert.equal(problems.length, 1);
  assert.match(
    problems[0],
    /^audit_retired_keys = <redacted> .*entry 1: Audit HMAC key is 22 bytes/,
  );
  assert.ok(!problems[0].includes("too-short-key-material"));
});

Deno.test("config - type_check_thread: worker by default, main when asked, anything else refused", () => {
  assert.equal(loadConfig({ HOME: "/home/u" }).config.typeCheckThread, "worker");
  const main = loadConfig({ HOME: "/home/u", STRATA_TYPE_CHECK_THREAD: "main" }).config;
  assert.equal(main.typeCheckThread, "main");
  assert.throws(
    () => loadConfig({ HOME: "/home/u", STRATA_TYPE_CHECK_THREAD: "gpu" }),
    (e: unknown) => e instanceof ConfigError && /type_check_thread/.test(e.message),
  );
});
