import assert from "node:assert/strict";
import {
  decideSecretAccess,
  parseSecretManagerPolicy,
  type SecretManagerPolicy,
} from "./policy.ts";

function policy(raw: unknown): SecretManagerPolicy {
  const parsed = parseSecretManagerPolicy(raw);
  assert.deepEqual(parsed.problems, []);
  return parsed.policy!;
}

const POLICY = policy({
  "team-a": { projects: ["proj-a"], environments: ["dev", "prod"] },
  "lab-*": { projects: ["{tenant}-secrets"] },
  "ops": { projects: ["*"], environments: ["prod"] },
});

function ask(tenantId: string, project_id: string, environment = "dev") {
  return decideSecretAccess(POLICY, {
    mode: "service",
    tenantId,
    config: { provider: "infisical", project_id, environment },
  });
}

Deno.test("secret manager policy - decisions by tenant, project and environment", () => {
  const table: [string, string, string, boolean][] = [
    ["team-a", "proj-a", "dev", true],
    ["team-a", "proj-a", "prod", true],
    ["team-a", "proj-a", "staging", false],
    ["team-a", "proj-b", "dev", false],
    ["team-b", "proj-a", "dev", false],
    ["lab-1", "lab-1-secrets", "anything", true],
    ["lab-1", "lab-2-secrets", "dev", false],
    ["ops", "whatever", "prod", true],
    ["ops", "whatever", "dev", false],
  ];
  for (const [tenant, project, env, allow] of table) {
    assert.equal(ask(tenant, project, env).allow, allow, `${tenant} ${project} ${env}`);
  }
});

Deno.test("secret manager policy - a refusal names the project, the tenant and the setting", () => {
  const other = ask("team-a", "proj-b");
  assert.equal(other.allow, false);
  assert.match(
    !other.allow ? other.reason : "",
    /^Secret manager project 'proj-b' \(environment 'dev'\) is not allowed for tenant 'team-a' by secret_manager_policy\. This tenant may read: proj-a \(environments: dev, prod\)\.$/,
  );
  const none = ask("stranger", "proj-a");
  assert.match(!none.allow ? none.reason : "", /secret_manager_policy has no rule for this tenant/);
});

Deno.test("secret manager policy - service mode without a policy refuses; personal mode allows", () => {
  const config = { provider: "infisical", project_id: "p", environment: "dev" };
  assert.equal(
    decideSecretAccess(undefined, { mode: "service", tenantId: "t", config }).allow,
    false,
  );
  assert.equal(
    decideSecretAccess(undefined, { mode: "personal", tenantId: "t", config }).allow,
    true,
  );
});

Deno.test("secret manager policy - malformed tables list every problem", () => {
  const parsed = parseSecretManagerPolicy({
    "bad id!": { projects: ["x"] },
    "t1": { projects: [] },
    "t2": { projects: ["x"], environments: "dev", extra: 1 },
    "t3": "proj",
  });
  assert.equal(parsed.policy, null);
  assert.equal(parsed.problems.length, 5, parsed.problems.join("\n"));
  assert.match(parsed.problems.join("\n"), /"bad id!": a tenant id or pattern/);
  assert.match(parsed.problems.join("\n"), /"t1"\.projects must list at least one entry/);
  assert.match(parsed.problems.join("\n"), /"t2": unknown key 'extra'/);
  assert.deepEqual(parseSecretManagerPolicy([]).problems, [
    "secret_manager_policy must be a table keyed by tenant id",
  ]);
});
