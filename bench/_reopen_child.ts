/**
 * Bench child (aims_bench.ts `reopen` row): a fresh process, as after a server restart, opens the
 * notebook at argv[0] with analyses persisted under argv[1], and prints one JSON line: wall and
 * CPU ms of reading the notebook and `prepare` of its cells (the analysis step), and of that plus
 * `NotebookSession.open` (the whole open), RSS before and after it (MiB), whether the TypeScript compiler
 * was loaded (an open should not load it), how the parser used its code cache (with argv[2]) and
 * the analysis cache's hit/miss counts.
 */
import process from "node:process";
import { createRuntime } from "../lib/runtime/runtime.ts";
import { fsBlobStore } from "../lib/artifacts/fs_blob_store.ts";
import { openSqlite } from "../lib/db/sqlite.ts";
import { migrate } from "../lib/db/migrate.ts";
import { createExecutor } from "../lib/executor/executor.ts";
import { nullLogger } from "../lib/log.ts";
import { NotebookSession } from "../lib/session/notebook_session.ts";
import { readNotebook } from "../lib/notebook/format.ts";
import { typeScriptLoaded } from "../lib/notebook/_typescript.ts";
import { configureParserCodeCache, parserCodeCacheLoad } from "../lib/notebook/_babel.ts";
import type { CachedAnalyzer } from "../lib/notebook/analysis_cache.ts";

const [root, cacheDir, parserCacheDir] = Deno.args;
// argv[2]: the parser loads through the V8 code cache kept there, as a server's after its first
// start (a load that misses writes it before this process ends).
if (parserCacheDir) configureParserCodeCache(parserCacheDir, 50);
function cpuSince(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
}
const dir = await Deno.makeTempDir({ prefix: "strata-reopen-" });
const db = openSqlite(`${dir}/strata.db`);
await migrate(db);
await Deno.mkdir(`${dir}/scratch`);
const executor = createExecutor({ scratchRoot: `${dir}/scratch`, poolSize: 1, childEnv: {} });
const runtime = createRuntime({
  db,
  blobs: fsBlobStore(`${dir}/artifacts`),
  executor,
  log: nullLogger(),
  denoVersion: Deno.version.deno,
  memoryMb: 512,
  defaultTimeoutSeconds: 60,
  analysisCacheDir: cacheDir,
});
const scope = { tenantId: "default", tenantHash: "bench", path: "nb" };
try {
  // Idle: everything the server has loaded before the first notebook opens.
  await new Promise((r) => setTimeout(r, 200));
  const idle = Deno.memoryUsage().rss;
  const analyzer = (await runtime.analyzer("bench")) as CachedAnalyzer;
  const cpu = process.cpuUsage();
  const t = performance.now();
  // The analysis step alone (what the session's open awaits first), then the rest of the open.
  const { cells } = await readNotebook(root);
  await analyzer.prepare(cells.map((c) => c.source));
  const analysisMs = performance.now() - t;
  const analysisCpuMs = cpuSince(cpu);
  const session = await NotebookSession.open(root, scope, { runtime });
  const wallMs = performance.now() - t;
  const cpuMs = cpuSince(cpu);
  const rss = Deno.memoryUsage().rss;
  await analyzer.flush();
  if (session.model.cells.length === 0) throw new Error("empty notebook");
  const parser = parserCodeCacheLoad();
  if (parser && parser.use !== "hit") {
    const alive = setTimeout(() => {}, 5_000); // the write's timer does not keep a process alive
    await parser.written;
    clearTimeout(alive);
  }
  console.log(JSON.stringify({
    wallMs,
    cpuMs,
    analysisMs,
    analysisCpuMs,
    idleMiB: idle / 2 ** 20,
    overIdleMiB: (rss - idle) / 2 ** 20,
    typeScriptLoaded: typeScriptLoaded(),
    parserCodeCache: parser?.use ?? null,
    ...analyzer.stats,
  }));
} finally {
  await executor.close();
  await db.close();
  await Deno.remove(dir, { recursive: true });
}
