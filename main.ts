/**
 * Strata: composes the server (config, coherence, storage, migrations, app, serve, cron) and
 * dispatches the CLI. `strata serve` first re-runs itself under the permissions its config needs.
 */
import { createLogger, type Logger } from "./lib/log.ts";
import { createMetrics } from "./lib/metrics.ts";
import { createReadiness } from "./lib/readiness.ts";
import { migrationStatus } from "./lib/db/migrate.ts";
import { createApp } from "./lib/http/app.ts";
import { serveApp } from "./lib/http/serve.ts";
import { processEnv, relaunchServer } from "./lib/launcher/launch.ts";
import { loadCheckedConfig } from "./lib/launcher/checked_config.ts";
import { DEFAULT_TENANT_ID, tenantHash } from "./lib/tenancy/tenant_id.ts";
import { createServices } from "./lib/services.ts";
import { deleteOldConsoleLogs } from "./lib/session/console_logs.ts";
import { referencedProvenances } from "./lib/session/referenced.ts";
import { jobReadinessChecks } from "./lib/jobs/schedule.ts";
import { registerCron } from "./cron.ts";
import { tenantRegistry } from "./lib/tenancy/registry.ts";
import { buildApiDeps, mountApi } from "./routes/api/mod.ts";
import { pageRoutes } from "./routes/pages/mod.ts";

/** Strata's version, shown by /health and the banner. */
export const VERSION = "0.1.0";

/** Starts the server in this process; resolves when it has shut down. Returns the exit code. */
export async function startServer(env: Record<string, string | undefined>): Promise<number> {
  const started = performance.now();
  const loaded = loadCheckedConfig(env);
  if (!loaded) return 2;
  const { config } = loaded;
  const log = createLogger({ level: config.logLevel, format: config.logFormat });
  for (const w of loaded.warnings) log.warn(w);

  const metrics = createMetrics();
  const tenants = tenantRegistry({ max: config.maxTenants });
  const services = await createServices({
    config,
    log,
    metrics,
    // Metric labels carry the tenant's hash (DESIGN §7), never the raw id.
    tenantLabel: (hash) => hash,
  });
  const { db } = services;

  const readiness = createReadiness();
  readiness.add("db", async () => {
    const t = performance.now();
    await db.query("SELECT 1 AS ok");
    return { ok: true, detail: `${(performance.now() - t).toFixed(1)} ms` };
  });
  readiness.add("migrations", async () => {
    const s = await migrationStatus(db);
    return s.pending.length === 0
      ? { ok: true, detail: `at ${s.current}` }
      : { ok: false, detail: `pending: ${s.pending.join(", ")}` };
  });

  const shutdown = new AbortController();
  let used: { at: number; set: Promise<Set<string>> } | undefined;
  const usedOnDisk = () => {
    if (!used || Date.now() - used.at > 60_000) {
      used = { at: Date.now(), set: referencedProvenances(config.notebookStorageDir) };
    }
    return used.set;
  };
  const jobsDeps = {
    db,
    blobStore: services.blobs,
    options: { retentionDays: config.retentionDays },
    log: log.child({ component: "jobs" }),
    metrics,
    deleteConsoleLogs: (olderThan: Date) =>
      deleteOldConsoleLogs(config.notebookStorageDir, olderThan),
    // Still in use: current in an open session, or the last run of any notebook on disk.
    isReferenced: async (a: { provenanceHash: string }) =>
      services.sessions.isCurrentProvenance(a.provenanceHash) ||
      (await usedOnDisk()).has(a.provenanceHash),
  };
  const jobs = registerCron({ ...jobsDeps, signal: shutdown.signal });
  for (
    const [name, check] of Object.entries(jobReadinessChecks(db, jobs, { startedAt: new Date() }))
  ) {
    readiness.add(name, check);
  }

  // One command pipeline: every surface (HTTP, WebSocket, pages) decodes into its dispatcher.
  const apiDeps = buildApiDeps({ config, services, tenants });
  const defaultTenant = { id: DEFAULT_TENANT_ID, hash: await tenantHash(DEFAULT_TENANT_ID) };
  const app = createApp({
    config,
    log,
    metrics,
    readiness,
    version: VERSION,
    defaultTenant,
    tenants,
    onAuthFailure: (c) =>
      services.audit.record({
        tenantHash: defaultTenant.hash,
        actor: null,
        action: "auth.failure",
        resource: c.req.path,
        details: { method: c.req.method },
      }),
    mount: (a) => {
      mountApi(a, apiDeps);
      a.route("/", pageRoutes(apiDeps));
    },
  });
  const server = await serveApp(app.fetch, { hostname: config.host, port: config.port });

  banner(log, {
    mode: config.deploymentMode,
    url: `http://${
      server.addr.hostname.includes(":") ? `[${server.addr.hostname}]` : server.addr.hostname
    }:${server.addr.port}`,
    database: config.databaseUrl ? "postgresql" : config.sqlitePath,
    notebooks: config.notebookStorageDir,
    artifacts: config.artifactBlobBackend === "s3"
      ? `s3://${config.s3.bucket}/${config.s3.prefix}`
      : config.artifactDir,
    migrations: services.migrated.length ? `applied ${services.migrated.join(", ")}` : "up to date",
    ready_ms: Math.round(performance.now() - started),
  });

  const stop = async () => {
    log.info("shutting down: finishing in-flight requests");
    shutdown.abort();
    await server.shutdown();
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  await server.finished;
  log.info("http server stopped; stopping cell processes and closing the database");
  await services.close();
  log.info("stopped");
  return 0;
}

/** `strata serve`: check config, then run the server under its derived permissions. */
export async function launch(
  env: Record<string, string | undefined>,
  args: string[],
): Promise<number> {
  // In process: the relaunched server itself, an explicit request, or Deno Deploy (no subprocesses).
  if (env.STRATA_IN_PROCESS === "1" || args.includes("--in-process") || env.DENO_DEPLOYMENT_ID) {
    return await startServer(env);
  }
  const loaded = loadCheckedConfig(env);
  if (!loaded) return 2;
  return await relaunchServer({
    config: loaded.config,
    mainModule: Deno.mainModule,
    args: ["serve"],
    env,
  });
}

function banner(log: Logger, facts: Record<string, unknown>): void {
  log.info("Strata is ready", facts);
}

if (import.meta.main) {
  const env = processEnv();
  // Issue 20: the relaunched server (start.ts, `strata serve`) starts without loading the CLI's
  // command modules; anything else goes through the CLI, loaded on demand.
  if (Deno.args.length === 1 && Deno.args[0] === "serve" && env.STRATA_IN_PROCESS === "1") {
    Deno.exit(await startServer(env));
  }
  const { runCli } = await import("./lib/cli/mod.ts");
  Deno.exit(await runCli(Deno.args, { env, serve: launch }));
}
