/**
 * Test child (run_reopen_test.ts): in a fresh process, as after a restart, opens the notebook at
 * argv[0] with analyses persisted under argv[1], runs every cell, and prints what each cell showed
 * and whether the TypeScript compiler was loaded (through the analyzer's loader, or by anything
 * that imported the `typescript` package directly: Node's module cache lists it then).
 */
import { createRequire } from "node:module";
import { createRuntime } from "../runtime/runtime.ts";
import { typeScriptLoaded } from "../notebook/_typescript.ts";
import { sessionFixture, shown } from "./_session_fixture.ts";
import { NotebookSession } from "./notebook_session.ts";

const [root, cacheDir] = Deno.args;
const f = await sessionFixture();
function compilerLoaded(): boolean {
  const cache = createRequire(import.meta.url).cache;
  return typeScriptLoaded() || Object.keys(cache).some((k) => /\/typescript\/lib\//.test(k));
}
try {
  const deps = {
    ...f.deps,
    runtime: createRuntime({ ...f.deps.runtime.deps, analysisCacheDir: cacheDir }),
  };
  const session = await NotebookSession.open(root, { ...f.scope, tenantHash: "t1" }, deps);
  const atOpen = compilerLoaded();
  const run = await session.runAll();
  const cells = session.notebook.cells.map((c) => ({
    status: session.state().cells.find((s) => s.id === c.id)?.status,
    shown: shown(session, c.id),
  }));
  await ((await deps.runtime.analyzer("t1")) as unknown as { flush(): Promise<void> }).flush();
  console.log(JSON.stringify({ ok: run.ok, cells, atOpen, afterRun: compilerLoaded() }));
} finally {
  await f.cleanup();
}
