// Issue #4 figures: run-all of a 100-cell notebook that is all cache hits (server side and over
// HTTP), against a baseline measured in the same run (the same run-all's cold execution), and
// server RSS idle vs with one open session.
// Run: scripts/deno run -A bench/session_bench.ts
import { createRuntime } from "../lib/runtime/runtime.ts";
import { fsBlobStore } from "../lib/artifacts/fs_blob_store.ts";
import { openSqlite } from "../lib/db/sqlite.ts";
import { migrate } from "../lib/db/migrate.ts";
import { createExecutor } from "../lib/executor/executor.ts";
import { nullLogger } from "../lib/log.ts";
import { createNotebook } from "../lib/notebook/format.ts";
import { NotebookSession } from "../lib/session/notebook_session.ts";
import { startServer } from "../tests/_server.ts";
import { childPids, median, rssMiB } from "./_load.ts";

function cellSource(i: number): string {
  return i === 0 ? "const v0 = 1" : `const v${i} = v${i - 1} + ${i}`;
}

/** Runs the bench and returns its figures. */
export async function main() {
  const dir = await Deno.makeTempDir({ prefix: "strata-bench-" });
  try {
    // --- server side, in-process session --------------------------------------------------
    await Deno.mkdir(`${dir}/scratch`);
    const db = openSqlite(`${dir}/strata.db`);
    await migrate(db);
    const executor = createExecutor({
      scratchRoot: `${dir}/scratch`,
      poolSize: 1,
      childEnv: { HOME: Deno.env.get("HOME") ?? dir },
    });
    const deps = {
      runtime: createRuntime({
        db,
        blobs: fsBlobStore(`${dir}/artifacts`),
        executor,
        log: nullLogger(),
        denoVersion: Deno.version.deno,
        memoryMb: 512,
        defaultTimeoutSeconds: 60,
      }),
    };
    await createNotebook(`${dir}/nb`, { name: "bench" });
    const session = await NotebookSession.open(`${dir}/nb`, {
      tenantId: "default",
      tenantHash: "bench",
      path: "nb",
    }, deps);
    for (let i = 0; i < 100; i++) await session.addCell({ source: cellSource(i) });
    let t = performance.now();
    const cold = await session.runAll();
    const coldMs = performance.now() - t;
    if (!cold.ok) throw new Error("cold run failed");
    const cached: number[] = [];
    for (let i = 0; i < 5; i++) {
      t = performance.now();
      const r = await session.runAll();
      cached.push(performance.now() - t);
      if (!r.cells.every((c) => c.cacheHit)) throw new Error("expected all cache hits");
    }
    await executor.close();
    await db.close();

    // --- over HTTP against a real server --------------------------------------------------
    const s = await startServer({ STRATA_RATE_LIMIT_ENABLED: "false" });
    let httpCached: number[] = [];
    let idleRss = 0;
    let sessionRss = 0;
    try {
      const pid = (await childPids(s.pid()))[0] ?? s.pid();
      idleRss = await rssMiB(pid);
      const created = await s.api("POST", "/v1/notebooks/create", { name: "bench" });
      const sid = created.body.sessionId;
      for (let i = 0; i < 100; i++) {
        await s.api("POST", `/v1/notebooks/${sid}/cells`, { source: cellSource(i) });
      }
      await s.api("POST", `/v1/notebooks/${sid}/run-all`);
      httpCached = [];
      for (let i = 0; i < 5; i++) {
        t = performance.now();
        const r = await s.api("POST", `/v1/notebooks/${sid}/run-all`);
        httpCached.push(performance.now() - t);
        if (!r.body.run.cells.every((c: { cacheHit: boolean }) => c.cacheHit)) {
          throw new Error("expected cache hits over HTTP");
        }
      }
      sessionRss = await rssMiB(pid);
    } finally {
      await s.close();
    }

    const figures = {
      coldRunAll100Ms: Math.round(coldMs),
      cachedRunAll100Ms: Math.round(median(cached) * 10) / 10,
      cachedVsColdRatio: Math.round((median(cached) / coldMs) * 1000) / 1000,
      httpCachedRunAll100Ms: Math.round(median(httpCached) * 10) / 10,
      idleServerRssMiB: idleRss,
      oneSessionRssMiB: sessionRss,
      sessionRssDeltaMiB: Math.round((sessionRss - idleRss) * 10) / 10,
    };
    console.log(`run-all, 100 cells, cold (executes every cell):   ${figures.coldRunAll100Ms} ms`);
    console.log(
      `run-all, 100 cells, all cache hits, server side:   ${figures.cachedRunAll100Ms} ms (aim <= 50; ratio to cold ${figures.cachedVsColdRatio})`,
    );
    console.log(
      `run-all, 100 cells, all cache hits, over HTTP:     ${figures.httpCachedRunAll100Ms} ms`,
    );
    console.log(
      `server RSS idle: ${figures.idleServerRssMiB} MiB (aim <= 80); with one open 100-cell session: ${figures.oneSessionRssMiB} MiB (+${figures.sessionRssDeltaMiB}; aim <= +25)`,
    );
    return figures;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await main();
