import assert from "node:assert/strict";
import { emptyPermissions } from "../notebook/annotations.ts";
import { cellGrants } from "./cell_grants.ts";
import { ceilingFor, type SandboxSettings } from "./policy.ts";

const NB = "/data/notebooks/t/nb";
const settings = (mode: "personal" | "service"): SandboxSettings => ({
  mode,
  policy: { net: ["api.example.com"] },
  protectedPaths: ["/data"],
  listen: { host: "127.0.0.1", port: 8765 },
});
const ceiling = (mode: "personal" | "service") =>
  ceilingFor(settings(mode), { tenantId: "t", principal: null, notebookDir: NB, notebookEnv: [] });

Deno.test("sandbox cell grants - service mode: a refused grant blocks, the spec holds only effective grants", () => {
  const g = cellGrants({
    notebookDir: NB,
    allow: { ...emptyPermissions(), net: ["api.example.com", "evil.com"], read: ["data"] },
    implicitEnv: ["API_URL"],
    sandbox: { ceiling: ceiling("service"), approved: new Set() },
  });
  assert.deepEqual(g.refused.map((r) => r.grant), ["net=evil.com"]);
  assert.match(g.blocked ?? "", /^@allow net=evil\.com refused/);
  assert.deepEqual(g.permissions.net, ["api.example.com"]);
  assert.deepEqual(g.permissions.env, ["API_URL"]);
  assert.equal(g.permissions.import, undefined, "service mode: no import hosts by default");
  assert.deepEqual(g.hashed.read, ["./data"], "notebook paths hash relative (portable)");
  assert.deepEqual(g.hashed.net, ["api.example.com"]);
  assert.equal(g.diagnostics[0].code, "permission");
});

Deno.test("sandbox cell grants - personal mode: unapproved grants block until approved", () => {
  const allow = { ...emptyPermissions(), net: ["evil.com"], env: ["API_URL"] };
  const input = { notebookDir: NB, allow, implicitEnv: ["API_URL"] };
  const waiting = cellGrants({
    ...input,
    sandbox: { ceiling: ceiling("personal"), approved: new Set() },
  });
  assert.deepEqual(
    waiting.awaitingApproval,
    ["net=evil.com"],
    "the notebook's own env key is a default",
  );
  assert.match(waiting.blocked ?? "", /waiting for approval of net=evil\.com/);
  assert.equal(waiting.diagnostics[0].code, "approval");
  assert.deepEqual(waiting.permissions.import, ["deno.land", "jsr.io", "registry.npmjs.org"]);
  const ok = cellGrants({
    ...input,
    sandbox: { ceiling: ceiling("personal"), approved: new Set(["net=evil.com"]) },
  });
  assert.equal(ok.blocked, null);
  assert.deepEqual(ok.permissions.net, ["evil.com"]);
  assert.deepEqual(ok.hashed, waiting.hashed, "approval does not change the cache key");
});

Deno.test("sandbox cell grants - a symlink escape is a read of its target, named by the link", () => {
  const escapes = [{ path: "data/link", target: "/data/notebooks/other" }];
  const svc = cellGrants({
    notebookDir: NB,
    allow: emptyPermissions(),
    implicitEnv: [],
    sandbox: { ceiling: ceiling("service"), approved: new Set(), escapes },
  });
  assert.match(svc.blocked ?? "", /^Symlink 'data\/link' resolves outside the notebook folder/);
  assert.equal(svc.blocked!.includes("/data/notebooks/other"), false);
  const covered = cellGrants({
    notebookDir: NB,
    allow: { ...emptyPermissions(), read: ["/elsewhere"] },
    implicitEnv: [],
    sandbox: {
      ceiling: ceiling("personal"),
      approved: new Set(["read=/elsewhere"]),
      escapes: [{ path: "x", target: "/elsewhere/sub" }],
    },
  });
  assert.equal(covered.blocked, null, "a read grant covering the target covers the link");
});
