/**
 * Test child (analysis_reopen_test.ts): opens the notebook at argv[0] in a fresh process, with
 * analyses persisted under argv[1] for tenant argv[2], and prints what a user would see of it
 * (each cell's defines, references and status) and whether the TypeScript compiler was loaded.
 */
import { createRuntime } from "../runtime/runtime.ts";
import { typeScriptLoaded } from "../notebook/_typescript.ts";
import { sessionFixture } from "./_session_fixture.ts";
import { NotebookSession } from "./notebook_session.ts";

const [root, cacheDir, tenantHash, edit] = Deno.args;
const f = await sessionFixture();
try {
  const deps = {
    ...f.deps,
    runtime: createRuntime({ ...f.deps.runtime.deps, analysisCacheDir: cacheDir }),
  };
  const session = await NotebookSession.open(root, { ...f.scope, tenantHash }, deps);
  const view = () =>
    session.state().cells.map((c) => ({
      id: c.id,
      defines: c.defines,
      references: c.references,
      upstream: c.upstream,
      status: c.status,
      provenance: c.provenance,
    }));
  const opened = { cells: view(), typeScriptLoaded: typeScriptLoaded() };
  let edited;
  if (edit) {
    await session.editCell(session.notebook.cells[0].id, edit);
    edited = { cells: view(), typeScriptLoaded: typeScriptLoaded() };
  }
  await ((await deps.runtime.analyzer(tenantHash)) as unknown as { flush(): Promise<void> })
    .flush();
  console.log(JSON.stringify({ opened, edited }));
} finally {
  await f.cleanup();
}
