/**
 * Test child (analysis_reopen_test.ts): opens the notebook at argv[0] in a fresh process, with
 * analyses persisted under argv[1] for tenant argv[2], and prints what a user would see of it
 * (each cell's defines, references and status), how many sources missed the analysis cache (were
 * parsed: in the type thread) and whether this thread loaded the TypeScript compiler.
 */
import type { CachedAnalyzer } from "../notebook/analysis_cache.ts";
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
  const analyzer = (await deps.runtime.analyzer(tenantHash)) as CachedAnalyzer;
  const opened = {
    cells: view(),
    parsed: analyzer.stats.misses,
    typeScriptLoaded: typeScriptLoaded(),
  };
  let edited;
  if (edit) {
    await session.editCell(session.notebook.cells[0].id, edit);
    edited = {
      cells: view(),
      parsed: analyzer.stats.misses - opened.parsed,
      typeScriptLoaded: typeScriptLoaded(),
    };
  }
  await analyzer.flush();
  console.log(JSON.stringify({ opened, edited }));
} finally {
  await f.cleanup();
}
