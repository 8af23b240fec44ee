import assert from "node:assert/strict";
import { loadConfig } from "./config/load.ts";
import { createLogger } from "./log.ts";
import { createNotebook } from "./notebook/format.ts";
import { createServices } from "./services.ts";

const log = createLogger({ level: "error" });

function configIn(dir: string, env: Record<string, string> = {}) {
  return loadConfig({
    HOME: dir,
    STRATA_DATA_DIR: `${dir}/data`,
    STRATA_NOTEBOOK_STORAGE_DIR: `${dir}/notebooks`,
    STRATA_LOG_LEVEL: "error",
    ...env,
  }).config;
}

Deno.test("services - a notebook opens and its cell runs through the run path loaded on first use", async () => {
  const dir = await Deno.makeTempDir({ prefix: "strata-services-" });
  const services = await createServices({ config: configIn(dir), log });
  try {
    const deps = services.runtime.deps;
    assert.equal(services.executor.stats().live, 0); // nothing started before the first run
    const root = `${dir}/notebooks/nb`;
    await createNotebook(root, { name: "nb" });
    const tenant = { id: "default", hash: "h" };
    const session = await services.sessions.open(tenant, root, "nb");
    assert.equal(services.sessions.get(tenant, session.id), session);
    assert.equal(services.runtime.deps, deps); // one deps object before and after the load
    const cellId = await session.addCell({ source: "const x = 6 * 7;\nx" });
    const summary = await session.execute(cellId, "rerun");
    assert.ok(summary.ok, JSON.stringify(summary));
    const ran = session.state().cells.find((c) => c.id === cellId);
    assert.equal(ran?.status, "ready", JSON.stringify(ran));
    const rows = await services.db.query<{ n: number }>(
      "SELECT count(*) AS n FROM audit_events WHERE action = 'cell.execute'",
    );
    assert.equal(Number(rows[0].n), 1); // the audit recorder loaded and recorded the run
  } finally {
    await services.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("services - executor = remote with a non-http worker URL still fails the start", async () => {
  const dir = await Deno.makeTempDir({ prefix: "strata-services-" });
  try {
    const config = configIn(dir, {
      STRATA_EXECUTOR: "remote",
      STRATA_EXECUTOR_WORKER_URL: "ftp://worker.example:21",
      STRATA_EXECUTOR_WORKER_TOKEN: "t".repeat(20),
    });
    assert.equal(config.executorMode, "remote");
    await assert.rejects(createServices({ config, log }), /url must be http\(s\)/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
