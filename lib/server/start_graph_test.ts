// Issue 20: what `main.ts serve` evaluates at start is its static module graph. The run path
// (executor, runtime, notebook session, language service) loads on the first open or run.
import assert from "node:assert/strict";
import { moduleGraph } from "../../tests/_module_graph.ts";

const root = new URL("../../", import.meta.url).pathname;

/** The modules `entry` reaches through static imports (what evaluating it evaluates). */
async function staticGraph(entry: string): Promise<Set<string>> {
  const seen = await moduleGraph(entry, { dynamic: false });
  return new Set([...seen].map((s) => s.startsWith("file://") ? s.slice(7 + root.length) : s));
}

const RUN_PATH = [
  "lib/server/run_path.ts",
  "lib/executor/executor.ts",
  "lib/executor/pool.ts",
  "lib/runtime/runtime.ts",
  "lib/session/notebook_session.ts",
  "lib/notebook/analyzer.ts",
  "lib/langservice/language_service.ts",
  "lib/worker/registry.ts",
  "lib/secrets/provider.ts",
  "lib/session/referenced.ts",
  "lib/audit/append.ts",
  "lib/sandbox/sandbox.ts",
  "node:crypto",
  "node:path",
  "node:fs",
  "node:v8",
  "node:url",
  "node:module",
];

Deno.test("server start graph - the run path is not evaluated at start", async () => {
  const atStart = await staticGraph("main.ts");
  // The graph is read correctly: what a start does need is in it.
  for (const m of ["main.ts", "lib/services.ts", "lib/session/registry.ts", "lib/db/sqlite.ts"]) {
    assert.ok(atStart.has(m), `${m} should be in the start graph`);
  }
  const loaded = RUN_PATH.filter((m) => atStart.has(m));
  assert.deepEqual(loaded, [], "loaded at start; load it on first use (lib/server/run_path.ts)");
});

Deno.test("server start graph - the run path module reaches what it stands for", async () => {
  const runPath = await staticGraph("lib/server/run_path.ts");
  // Loaded by the jobs and by services.ts themselves.
  const elsewhere = ["lib/session/referenced.ts", "lib/audit/append.ts", "lib/sandbox/sandbox.ts"];
  const missing = RUN_PATH.filter((m) => !elsewhere.includes(m) && !runPath.has(m));
  assert.deepEqual(missing, []);
});
