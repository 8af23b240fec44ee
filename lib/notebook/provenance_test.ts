import assert from "node:assert/strict";
import { emptyPermissions } from "./annotations.ts";
import { buildDag } from "./dag.ts";
import {
  cellProvenance,
  cellReadKeys,
  envHash,
  type EnvHashInput,
  lockFileHash,
  notebookProvenance,
} from "./provenance.ts";

const base: EnvHashInput = {
  denoVersion: "2.9.6",
  lockHash: lockFileHash('{"version":"5"}'),
  permissions: { ...emptyPermissions(), net: ["a.example", "b.example"] },
  worker: "local",
  readKeys: ["REGION", "API_TOKEN"],
  env: { REGION: "eu", API_TOKEN: "s3cret", UNRELATED: "1" },
};

Deno.test("provenance - reordering upstream inputs keeps the hash", () => {
  const a = cellProvenance({ sourceHash: "s", upstream: ["h1", "h2", "h3"], envHash: "e" });
  const b = cellProvenance({ sourceHash: "s", upstream: ["h3", "h1", "h2"], envHash: "e" });
  assert.equal(a, b);
  assert.notEqual(a, cellProvenance({ sourceHash: "s", upstream: ["h1", "h2"], envHash: "e" }));
});

Deno.test("provenance - each input changes the provenance", () => {
  const p = { sourceHash: "s", upstream: ["u"], envHash: "e" };
  const h = cellProvenance(p);
  assert.notEqual(h, cellProvenance({ ...p, sourceHash: "s2" }));
  assert.notEqual(h, cellProvenance({ ...p, upstream: ["u2"] }));
  assert.notEqual(h, cellProvenance({ ...p, envHash: "e2" }));
});

Deno.test("provenance - env hash: what changes it and what does not", () => {
  const h = envHash(base);
  const table: [string, Partial<EnvHashInput>, boolean][] = [
    ["unread env key changes", { env: { ...base.env, UNRELATED: "2" } }, false],
    ["secret rotation", { env: { ...base.env, API_TOKEN: "rotated" } }, false],
    ["permission order", {
      permissions: { ...emptyPermissions(), net: ["b.example", "a.example"] },
    }, false],
    ["read key order", { readKeys: ["API_TOKEN", "REGION"] }, false],
    ["Deno version", { denoVersion: "2.9.7" }, true],
    ["read non-secret value", { env: { ...base.env, REGION: "us" } }, true],
    ["lock file content", { lockHash: lockFileHash('{"version":"5","npm":{}}') }, true],
    ["no lock file", { lockHash: null }, true],
    ["permission set", { permissions: emptyPermissions() }, true],
    ["worker identity", { worker: "gpu-1" }, true],
    ["read key unset", { env: { API_TOKEN: "s3cret" } }, true],
  ];
  for (const [label, change, differs] of table) {
    assert.equal(envHash({ ...base, ...change }) !== h, differs, label);
  }
});

Deno.test("provenance - env hash: a secret by source (DATABASE_URL from a manager) rotates without a change", () => {
  const input: EnvHashInput = {
    ...base,
    readKeys: ["DATABASE_URL"],
    env: { DATABASE_URL: "postgres://u:one@db/x" },
    secretKeys: new Set(["DATABASE_URL"]),
  };
  const rotated = { ...input, env: { DATABASE_URL: "postgres://u:two@db/x" } };
  assert.equal(envHash(rotated), envHash(input), "rotation keeps the hash");
  const asPlain = { ...rotated, secretKeys: new Set<string>() };
  assert.notEqual(envHash(asPlain), envHash({ ...input, secretKeys: new Set<string>() }));
});

Deno.test("provenance - read keys combine literal reads, @env and @allow env", () => {
  const keys = cellReadKeys({
    envKeys: ["B", "A"],
    annotationEnv: { C: "1" },
    allowEnv: ["A", "*"],
  });
  assert.deepEqual(keys, ["A", "B", "C"]);
});

Deno.test("provenance - notebook provenance flows downstream in topological order", () => {
  const dag = buildDag([
    { id: "a", defines: ["x"], references: [] },
    { id: "b", defines: ["y"], references: ["x"] },
    { id: "c", defines: [], references: [] },
  ]);
  const cells = [
    { id: "a", sourceHash: "sa", envHash: "e" },
    { id: "b", sourceHash: "sb", envHash: "e" },
    { id: "c", sourceHash: "sc", envHash: "e" },
  ];
  const before = notebookProvenance(cells, dag);
  const after = notebookProvenance([{ ...cells[0], sourceHash: "sa2" }, cells[1], cells[2]], dag);
  assert.notEqual(before.get("a")!.provenance, after.get("a")!.provenance);
  assert.notEqual(before.get("b")!.provenance, after.get("b")!.provenance);
  assert.equal(before.get("c")!.provenance, after.get("c")!.provenance);
  assert.deepEqual(Object.keys(after.get("b")!.upstream), ["a"]);
});

Deno.test("provenance - an update from the previous result re-hashes only what changed, with equal results", () => {
  const dag = buildDag([
    { id: "a", defines: ["x"], references: [] },
    { id: "b", defines: ["y"], references: ["x"] },
    { id: "c", defines: ["z"], references: [] },
    { id: "d", defines: [], references: ["y", "z"] },
  ]);
  const cells = ["a", "b", "c", "d"].map((id) => ({ id, sourceHash: `s${id}`, envHash: "e" }));
  const before = notebookProvenance(cells, dag);
  const edits = [
    cells.map((c) => c.id === "b" ? { ...c, sourceHash: "sb2" } : c), // source
    cells.map((c) => c.id === "c" ? { ...c, envHash: "e2" } : c), // environment
    cells.map((c) => c.id === "a" ? { ...c, modules: { "h.ts": "1" } } : c), // a local module
    cells, // nothing
  ];
  for (const edited of edits) {
    const updated = notebookProvenance(edited, dag, before);
    assert.deepEqual(updated, notebookProvenance(edited, dag), "same as computed from scratch");
    for (const id of ["a", "b", "c", "d"]) {
      const same = updated.get(id)!.provenance === before.get(id)!.provenance;
      assert.equal(updated.get(id) === before.get(id), same, `${id}: kept exactly when unchanged`);
    }
  }
  // A source edit of b changes b and d (downstream), never a or c.
  const afterB = notebookProvenance(edits[0], dag, before);
  assert.deepEqual(
    ["a", "b", "c", "d"].filter((id) => afterB.get(id) !== before.get(id)),
    ["b", "d"],
  );
});
