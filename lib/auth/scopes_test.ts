import assert from "node:assert/strict";
import { hasScope, isScope, parseScopes, scopeMatches, SCOPES } from "./scopes.ts";

Deno.test("scopes - parseScopes splits on any whitespace and drops empties", () => {
  const table: Array<[string | null | undefined, string[]]> = [
    [null, []],
    [undefined, []],
    ["", []],
    ["   ", []],
    ["notebook:read", ["notebook:read"]],
    ["notebook:read notebook:write", ["notebook:read", "notebook:write"]],
    ["  notebook:read\tadmin:*  notebook:read ", ["notebook:read", "admin:*"]],
    ["future:thing", ["future:thing"]],
  ];
  for (const [header, want] of table) {
    assert.deepEqual([...parseScopes(header)], want, `header ${JSON.stringify(header)}`);
  }
});

Deno.test("scopes - parseScopes never grants the personal-mode '*' from a header", () => {
  assert.deepEqual([...parseScopes("* notebook:read")], ["notebook:read"]);
  assert.equal(hasScope(parseScopes("*"), "admin:cache"), false);
});

Deno.test("scopes - scopeMatches handles exact, family wildcard and everything", () => {
  const table: Array<[string, string, boolean]> = [
    ["notebook:read", "notebook:read", true],
    ["notebook:read", "notebook:write", false],
    ["notebook:*", "notebook:execute", true],
    ["notebook:*", "admin:cache", false],
    ["admin:*", "admin:audit", true],
    ["admin:*", "admin:", false],
    ["admin:*", "administrator:x", false],
    ["admin*", "admin:cache", false],
    ["*", "admin:tenants", true],
    ["*", "notebook:read", true],
    [":*", "notebook:read", false],
    ["notebook:read", "notebook:read:extra", false],
  ];
  for (const [pattern, scope, want] of table) {
    assert.equal(scopeMatches(pattern, scope), want, `${pattern} vs ${scope}`);
  }
});

Deno.test("scopes - hasScope checks a granted set including wildcards", () => {
  const table: Array<[string[], string, boolean]> = [
    [[], "notebook:read", false],
    [["notebook:read"], "notebook:read", true],
    [["notebook:read", "notebook:write"], "notebook:execute", false],
    [["notebook:*"], "notebook:execute", true],
    [["notebook:*"], "admin:cache", false],
    [["admin:*"], "admin:tenants", true],
    [["admin:*", "notebook:*"], "notebook:write", true],
    [["*"], "admin:audit", true],
    [["NOTEBOOK:READ"], "notebook:read", false],
  ];
  for (const [granted, needed, want] of table) {
    assert.equal(hasScope(new Set(granted), needed), want, `${granted} needs ${needed}`);
  }
});

Deno.test("scopes - isScope knows exactly the concrete scopes", () => {
  for (const s of SCOPES) assert.ok(isScope(s));
  for (const s of ["*", "admin:*", "notebook:*", "notebook:delete", ""]) assert.ok(!isScope(s));
});
