import assert from "node:assert/strict";
import { ValidationError } from "../errors.ts";
import {
  type AccessRequest,
  type AclConfig,
  adminResource,
  artifactResource,
  decide,
  notebookResource,
  parseAcl,
} from "./acl.ts";

function req(over: Partial<AccessRequest> = {}): AccessRequest {
  return {
    principal: "alice@example.com",
    resource: "notebooks/sales/q1",
    scope: "notebook:read",
    tenant: "team-a",
    ...over,
  };
}

type Row = [name: string, acl: AclConfig, request: AccessRequest, allow: boolean, rule: string];

const TEAM: AclConfig = parseAcl({
  deny: [
    { principal: "guest@example.com" },
    { resource: "notebooks/internal/**", tenant: "team-b" },
    { principal: "*@contractor.example", scope: "notebook:execute" },
    { resource: "admin/**", scope: "admin:*", principal: "*@example.com" },
  ],
  allow: [
    { principal: "*@example.com", resource: "notebooks/**" },
    { principal: "*@example.com", resource: "artifacts/**", scope: "notebook:read" },
    { principal: "ops@example.org", resource: "admin/*" },
    { tenant: "public", scope: "notebook:read" },
  ],
});

const rows: Row[] = [
  // Defaults.
  ["empty acl defaults to deny", {}, req(), false, "default"],
  ["explicit default deny", { default: "deny" }, req(), false, "default"],
  ["default allow when nothing matches", { default: "allow" }, req(), true, "default"],
  ["empty lists behave as unset", { deny: [], allow: [] }, req(), false, "default"],
  // Deny first, allow cannot bypass it.
  [
    "deny beats allow for the same request",
    { deny: [{ principal: "alice@example.com" }], allow: [{ principal: "alice@example.com" }] },
    req(),
    false,
    "deny[0]",
  ],
  [
    "deny beats default allow",
    { default: "allow", deny: [{ resource: "notebooks/sales/**" }] },
    req(),
    false,
    "deny[0]",
  ],
  [
    "deny listed after allow in the file still wins",
    parseAcl({ allow: [{ resource: "**" }], deny: [{ scope: "notebook:read" }] }),
    req(),
    false,
    "deny[0]",
  ],
  [
    "first matching deny is reported",
    TEAM,
    req({ principal: "guest@example.com" }),
    false,
    "deny[0]",
  ],
  // Allow rules and their order.
  ["matching allow", TEAM, req(), true, "allow[0]"],
  [
    "first matching allow is reported",
    { allow: [{ scope: "notebook:write" }, { scope: "notebook:*" }, { scope: "*" }] },
    req(),
    true,
    "allow[1]",
  ],
  // Principal globs.
  [
    "principal glob misses another domain",
    TEAM,
    req({ principal: "eve@evil.example" }),
    false,
    "default",
  ],
  [
    "principal glob is anchored",
    TEAM,
    req({ principal: "alice@example.com.evil.example" }),
    false,
    "default",
  ],
  [
    "principal match is case-sensitive",
    TEAM,
    req({ principal: "ALICE@EXAMPLE.COM" }),
    false,
    "default",
  ],
  [
    "contractor denied execute",
    TEAM,
    req({ principal: "bob@contractor.example", scope: "notebook:execute" }),
    false,
    "deny[2]",
  ],
  [
    "contractor read falls to default",
    TEAM,
    req({ principal: "bob@contractor.example" }),
    false,
    "default",
  ],
  // Tenant globs.
  [
    "tenant-scoped deny",
    TEAM,
    req({ resource: "notebooks/internal/payroll", tenant: "team-b" }),
    false,
    "deny[1]",
  ],
  [
    "tenant-scoped deny leaves other tenants alone",
    TEAM,
    req({ resource: "notebooks/internal/payroll", tenant: "team-a" }),
    true,
    "allow[0]",
  ],
  [
    "tenant glob",
    { allow: [{ tenant: "team-*" }] },
    req({ tenant: "team-zeta" }),
    true,
    "allow[0]",
  ],
  [
    "tenant glob misses",
    { allow: [{ tenant: "team-*" }] },
    req({ tenant: "default" }),
    false,
    "default",
  ],
  [
    "tenant-only allow",
    TEAM,
    req({ principal: "eve@evil.example", tenant: "public" }),
    true,
    "allow[3]",
  ],
  // Resource globs: * within a segment, ** across slashes.
  [
    "** crosses slashes",
    TEAM,
    req({ resource: "notebooks/a/b/c/d" }),
    true,
    "allow[0]",
  ],
  [
    "* does not cross slashes",
    { allow: [{ resource: "notebooks/*" }] },
    req({ resource: "notebooks/sales/q1" }),
    false,
    "default",
  ],
  [
    "* matches one segment",
    { allow: [{ resource: "notebooks/*" }] },
    req({ resource: "notebooks/q1" }),
    true,
    "allow[0]",
  ],
  [
    "artifact read allowed",
    TEAM,
    req({ resource: "artifacts/sales/q1/c1", scope: "notebook:read" }),
    true,
    "allow[1]",
  ],
  [
    "artifact write not allowed",
    TEAM,
    req({ resource: "artifacts/sales/q1/c1", scope: "notebook:write" }),
    false,
    "default",
  ],
  // Scope wildcards in rules.
  [
    "admin:* deny covers admin:cache",
    TEAM,
    req({ resource: "admin/cache", scope: "admin:cache" }),
    false,
    "deny[3]",
  ],
  [
    "admin allow for another domain",
    TEAM,
    req({ principal: "ops@example.org", resource: "admin/cache", scope: "admin:cache" }),
    true,
    "allow[2]",
  ],
  [
    "scope * matches everything",
    { allow: [{ scope: "*" }] },
    req({ scope: "admin:audit" }),
    true,
    "allow[0]",
  ],
  [
    "notebook:* does not match admin scopes",
    { allow: [{ scope: "notebook:*" }] },
    req({ scope: "admin:audit" }),
    false,
    "default",
  ],
  // Anonymous callers (principal null).
  [
    "anonymous is caught by a deny naming a principal",
    { default: "allow", deny: [{ principal: "guest@example.com" }] },
    req({ principal: null }),
    false,
    "deny[0]",
  ],
  [
    "anonymous is caught by deny principal *",
    { default: "allow", deny: [{ principal: "*", resource: "admin/**" }] },
    req({ principal: null, resource: "admin/cache" }),
    false,
    "deny[0]",
  ],
  [
    "anonymous never matches an allow principal pattern, even *",
    { allow: [{ principal: "*" }, { principal: "**" }] },
    req({ principal: null }),
    false,
    "default",
  ],
  [
    "anonymous matches allow rules without a principal",
    { allow: [{ principal: "*" }, { tenant: "team-a" }] },
    req({ principal: null }),
    true,
    "allow[1]",
  ],
  [
    "empty-string principal is a name, not anonymous",
    { allow: [{ principal: "*" }] },
    req({ principal: "" }),
    true,
    "allow[0]",
  ],
  // Principals containing slashes need **.
  [
    "principal with slash needs **",
    { allow: [{ principal: "CN=*" }] },
    req({ principal: "CN=svc/O=corp" }),
    false,
    "default",
  ],
  [
    "principal with slash matches **",
    { allow: [{ principal: "CN=**" }] },
    req({ principal: "CN=svc/O=corp" }),
    true,
    "allow[0]",
  ],
];

Deno.test("acl - decide table", () => {
  for (const [name, acl, request, allow, rule] of rows) {
    assert.deepEqual(decide(acl, request), { allow, rule }, name);
  }
});

Deno.test("acl - deny beats allow for every combination of matching fields", () => {
  const fields = ["principal", "resource", "scope", "tenant"] as const;
  const values = {
    principal: "alice@example.com",
    resource: "notebooks/sales/q1",
    scope: "notebook:read",
    tenant: "team-a",
  };
  for (let mask = 1; mask < 16; mask++) {
    const rule = Object.fromEntries(
      fields.filter((_, i) => mask & (1 << i)).map((f) => [f, values[f]]),
    );
    const acl = parseAcl({ default: "allow", deny: [rule], allow: [rule, { scope: "*" }] });
    assert.deepEqual(decide(acl, req()), { allow: false, rule: "deny[0]" }, JSON.stringify(rule));
  }
});

Deno.test("acl - parseAcl rejects typos and empty rules", () => {
  const bad: unknown[] = [
    { default: "permit" },
    { deny: [{ principle: "alice" }] },
    { allow: [{}] },
    { allow: [{ scope: "notebook:exec" }] },
    { allow: [{ scope: "admin*" }] },
    { deny: [{ resource: "" }] },
    { deny: [{ resource: "a\nb" }] },
    { deny: { principal: "x" } },
    { allow: [{ principal: 42 }] },
    { extra: true },
  ];
  for (const input of bad) {
    assert.throws(() => parseAcl(input), ValidationError, JSON.stringify(input));
  }
  assert.throws(() => parseAcl({ allow: [{ scope: "notebook:exec" }] }), /allow\[0\]|allow/);
});

Deno.test("acl - parseAcl accepts the documented shape", () => {
  const acl = parseAcl({
    default: "deny",
    deny: [{ principal: "guest@example.com", resource: "notebooks/internal/*" }],
    allow: [{
      principal: "analyst@example.com",
      resource: "notebooks/marketing/*",
      scope: "notebook:write",
    }],
  });
  assert.equal(acl.default, "deny");
  assert.equal(acl.allow?.length, 1);
});

Deno.test("acl - resource names have one spelling", () => {
  assert.equal(notebookResource("sales/q1"), "notebooks/sales/q1");
  assert.equal(notebookResource("/sales/q1/"), "notebooks/sales/q1");
  assert.equal(artifactResource("sales/q1", "c1"), "artifacts/sales/q1/c1");
  assert.equal(adminResource("cache"), "admin/cache");
  const bad: Array<() => string> = [
    () => notebookResource(""),
    () => notebookResource("/"),
    () => notebookResource("a/../internal"),
    () => notebookResource("a/./b"),
    () => notebookResource("a//b"),
    () => notebookResource("a\\b"),
    () => notebookResource("a\u0000b"),
    () => artifactResource("nb", "c/1"),
    () => artifactResource("nb", ".."),
    () => artifactResource("nb", ""),
    () => adminResource("cache/clear"),
  ];
  for (const make of bad) assert.throws(make, ValidationError, make.toString());
});
