import assert from "node:assert/strict";
import { buildDag } from "./dag.ts";
import { type CellProvenance, notebookProvenance } from "./provenance.ts";
import { computeStaleness, describeWhy, describeWhyAll, type LastRun } from "./staleness.ts";

const dag = buildDag([
  { id: "a", defines: ["x"], references: [] },
  { id: "b", defines: ["y"], references: ["x"] },
  { id: "c", defines: [], references: ["y"] },
  { id: "d", defines: [], references: [] },
]);

function provenance(source: Record<string, string>, env: Record<string, string> = {}) {
  const cells = dag.cells.map((id) => ({
    id,
    sourceHash: source[id] ?? id,
    envHash: env[id] ?? "e",
  }));
  return notebookProvenance(cells, dag);
}

function asRuns(p: Map<string, CellProvenance>, status: "ready" | "error" = "ready") {
  const runs: Record<string, LastRun> = {};
  for (const [id, c] of p) runs[id] = { status, ...c };
  return runs;
}

Deno.test("staleness - matching provenance keeps the last status; no run is idle", () => {
  const p = provenance({});
  const runs = asRuns(p);
  runs.d = { ...runs.d, status: "error" };
  delete runs.c;
  const s = computeStaleness({ order: dag.order, current: p, lastRuns: runs });
  assert.deepEqual([...s].map(([id, st]) => `${id}:${st.status}`), [
    "a:ready",
    "b:ready",
    "c:idle",
    "d:error",
  ]);
});

Deno.test("staleness - an edit marks the cell self-stale and downstream upstream-stale with a chain", () => {
  const runs = asRuns(provenance({}));
  const s = computeStaleness({
    order: dag.order,
    current: provenance({ a: "a-edited" }),
    lastRuns: runs,
  });
  assert.deepEqual(s.get("a"), {
    status: "stale",
    reason: "self",
    why: [{ cellId: "a", reason: "self" }],
  });
  assert.equal(s.get("c")!.reason, "upstream");
  assert.deepEqual(s.get("c")!.why.map((w) => `${w.cellId}:${w.reason}`), [
    "c:upstream",
    "b:upstream",
    "a:self",
  ]);
  assert.equal(s.get("d")!.status, "ready");
  assert.match(
    describeWhy(s.get("c")!.why),
    /^c: upstream result changed ← b: .* ← a: own source changed$/,
  );
});

Deno.test("staleness - env change, forced and running", () => {
  const runs = asRuns(provenance({}));
  const s = computeStaleness({
    order: dag.order,
    current: provenance({}, { b: "e2" }),
    lastRuns: runs,
    forced: new Set(["d"]),
    running: new Set(["a"]),
  });
  assert.equal(s.get("a")!.status, "running");
  assert.deepEqual([s.get("b")!.status, s.get("b")!.reason], ["stale", "env"]);
  assert.deepEqual(s.get("c")!.why.map((w) => w.reason), ["upstream", "env"]);
  assert.deepEqual([s.get("d")!.status, s.get("d")!.reason], ["stale", "forced"]);
});

Deno.test("staleness - upstream that already re-ran ends the chain at it", () => {
  const old = provenance({});
  const now = provenance({ a: "a2" });
  const runs = asRuns(old);
  runs.a = { status: "ready", ...now.get("a")! };
  const s = computeStaleness({ order: dag.order, current: now, lastRuns: runs });
  assert.equal(s.get("a")!.status, "ready");
  assert.deepEqual(s.get("b")!.why, [{ cellId: "b", reason: "upstream" }, {
    cellId: "a",
    reason: "self",
    detail: "ran with a new result",
  }]);
  const labels: Record<string, string> = { a: "load", b: "[2]" };
  assert.equal(
    describeWhy(s.get("b")!.why, (id) => labels[id]),
    "[2]: upstream result changed ← load: ran with a new result",
  );
});

Deno.test("staleness - a changed local module makes its importer stale, naming the file", () => {
  const cur = new Map([["a", {
    provenance: "p2",
    sourceHash: "s",
    envHash: "e",
    modules: { "helper.ts": "h2" },
    upstream: {},
  }]]);
  const s = computeStaleness({
    order: ["a"],
    current: cur,
    lastRuns: {
      a: {
        provenance: "p1",
        status: "ready",
        sourceHash: "s",
        envHash: "e",
        modules: { "helper.ts": "h1" },
      },
    },
  });
  assert.equal(s.get("a")!.reason, "module");
  assert.equal(describeWhy(s.get("a")!.why, () => "[1]"), "[1]: local module helper.ts changed");
});

Deno.test("staleness - describeWhyAll says what describeWhy says for every stale cell", () => {
  // A long chain with a branch, stale from its first cell, plus a cell stale on its own.
  const cells = Array.from({ length: 60 }, (_, i) => ({
    id: `k${i}`,
    defines: [`v${i}`],
    references: i === 0 ? [] : i === 30 ? ["v10", "v29"] : [`v${i - 1}`],
  }));
  const chain = buildDag(cells);
  const prov = (edited: Record<string, string>) =>
    notebookProvenance(
      chain.cells.map((id) => ({ id, sourceHash: edited[id] ?? id, envHash: "e" })),
      chain,
    );
  const runs = asRuns(prov({}));
  const states = computeStaleness({
    order: chain.order,
    current: prov({ k0: "edited", k45: "edited too" }),
    lastRuns: runs,
  });
  const label = (id: string) => `[${id.slice(1)}]`;
  const all = describeWhyAll(states, label);
  const stale = [...states].filter(([, st]) => st.why.length > 0);
  assert.equal(stale.length, 60);
  for (const [id, st] of stale) assert.equal(all.get(id), describeWhy(st.why, label), id);
  assert.equal(
    all.get("k2"),
    "[2]: upstream result changed ← [1]: upstream result changed ← [0]: own source changed",
  );
});
