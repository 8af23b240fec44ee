import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "../config/load.ts";
import { ceilingFor, PERSONAL_DEFAULT_IMPORTS } from "./policy.ts";
import { sandboxSettings } from "./sandbox.ts";

const HOME = { HOME: "/home/ada" };
const TOML = `
deployment_mode = "service"
data_dir = "/srv/strata"
artifact_dir = "/srv/artifacts"

[sandbox]
net = ["api.example.com"]
read = ["/srv/shared"]
import = ["registry.npmjs.org", "*.mirror.example.com"]

[[sandbox.rules]]
tenant = "analytics"
principal = "etl-*"
net = ["db.internal:5432"]

[[sandbox.rules]]
tenant = "analytics"
env = ["PG*"]
`;

Deno.test("sandbox policy - [sandbox] from strata.toml gives each tenant and principal its ceiling", () => {
  const { config } = loadConfig(HOME, { path: "strata.toml", text: TOML });
  const settings = sandboxSettings(config);
  assert.deepEqual(settings.protectedPaths, [
    "/srv/strata",
    "/srv/strata/notebooks",
    "/srv/artifacts",
  ]);
  const scope = { notebookDir: "/srv/strata/notebooks/x", notebookEnv: [] };
  const other = ceilingFor(settings, { ...scope, tenantId: "sales", principal: "etl-1" });
  assert.deepEqual(other.net, ["api.example.com"]);
  assert.deepEqual(other.env, []);
  const tenantWide = ceilingFor(settings, { ...scope, tenantId: "analytics", principal: null });
  assert.deepEqual(tenantWide.net, ["api.example.com"], "principal rules need the principal");
  assert.deepEqual(tenantWide.env, ["PG*"]);
  const etl = ceilingFor(settings, { ...scope, tenantId: "analytics", principal: "etl-7" });
  assert.deepEqual(etl.net, ["api.example.com", "db.internal:5432"]);
  assert.deepEqual(etl.defaultImports, ["registry.npmjs.org"], "globs are asked for, not given");
});

Deno.test("sandbox policy - personal mode imports npm, JSR and deno.land unless set", () => {
  const { config } = loadConfig(HOME);
  const c = ceilingFor(sandboxSettings(config), {
    tenantId: "default",
    principal: null,
    notebookDir: "/nb",
    notebookEnv: [],
  });
  assert.deepEqual(c.defaultImports, [...PERSONAL_DEFAULT_IMPORTS]);
  assert.equal(c.mode, "personal");
});

Deno.test("sandbox policy - bad entries are configuration errors naming the key", () => {
  const bad = [
    '[sandbox]\nread = ["relative/dir"]',
    '[sandbox]\nnet = ["a.com,evil.com"]',
    '[sandbox]\nnett = ["a.com"]',
    '[[sandbox.rules]]\ntenant = "x"\nrun = ["*"]',
  ];
  for (const text of bad) {
    try {
      loadConfig(HOME, { path: "strata.toml", text });
      assert.fail(`accepted: ${text}`);
    } catch (err) {
      assert.ok(err instanceof ConfigError, String(err));
      assert.match(err.problems.join("\n"), /^sandbox = /m, text);
    }
  }
  assert.throws(
    () => loadConfig({ ...HOME, STRATA_SANDBOX: "{not json" }),
    /sandbox = .*expected JSON/,
  );
});
