/**
 * Strata: composes the server (config, coherence, storage, migrations, app, serve, cron) and
 * dispatches the CLI. `strata serve` first re-runs itself under the permissions its config needs.
 */
import { createLogger, type Logger } from "./lib/log.ts";
import { printBanner } from "./lib/banner.ts";
import { resolveDbTarget } from "./lib/db/open.ts";
import { createMetrics } from "./lib/metrics.ts";
import { createReadiness } from "./lib/readiness.ts";
import { createOtlpTracer } from "./lib/tracing/tracer.ts";
import { migrationStatusReader } from "./lib/db/migrate.ts";
import { dbReadinessCheck, migrationsReadinessCheck } from "./lib/db/readiness_checks.ts";
import { createApp, isProbePath } from "./lib/http/app.ts";
import { serveApp } from "./lib/http/serve.ts";
import type { AppDeps } from "./lib/http/app.ts";
import { processEnv, relaunchServer, watchLauncher } from "./lib/launcher/launch.ts";
import { loadCheckedConfig } from "./lib/launcher/checked_config.ts";
import { DEFAULT_TENANT_ID, tenantHash } from "./lib/tenancy/tenant_id.ts";
import { createServices } from "./lib/services.ts";
import { jobReadinessChecks } from "./lib/jobs/schedule.ts";
import { serverJobsDeps } from "./lib/jobs/server_jobs.ts";
import { registerCron } from "./cron.ts";
import { tenantRegistry } from "./lib/tenancy/registry.ts";
import { importOptional } from "./lib/optional_import.ts";

/** Strata's version, shown by /health and the banner. */
export const VERSION = "0.1.0";

/** Starts the server in this process; resolves when it has shut down. Returns the exit code. */
export async function startServer(env: Record<string, string | undefined>): Promise<number> {
  const started = performance.now();
  const loaded = loadCheckedConfig(env);
  if (!loaded) return 2;
  const { config } = loaded;
  const log = createLogger({ level: config.logLevel, format: config.logFormat });
  const warnings = [...loaded.warnings];
  for (const w of warnings) log.warn(w);

  const metrics = createMetrics();
  // Tracing (off by default): OTLP/HTTP spans per request and per cell run; see lib/tracing/.
  const tracer = config.tracing.enabled
    ? createOtlpTracer({
      endpoint: config.tracing.endpoint,
      serviceName: config.tracing.serviceName,
      serviceVersion: VERSION,
      log: log.child({ component: "tracing" }),
    })
    : undefined;
  const tenants = tenantRegistry({ max: config.maxTenants });
  const services = await createServices({
    config,
    log,
    metrics,
    // Metric labels carry the tenant's hash (DESIGN §7), never the raw id.
    tenantLabel: (hash) => hash,
    tracer,
  });
  const { db } = services;

  // Readiness: db, migrations, then one `<job>_task` per scheduled job (below).
  const readiness = createReadiness();
  readiness.add("db", dbReadinessCheck(db));
  const migrations = await migrationStatusReader(db);
  readiness.add("migrations", migrationsReadinessCheck(migrations));

  const shutdown = new AbortController();
  const jobsDeps = serverJobsDeps({
    config,
    db,
    blobStore: services.blobs,
    log,
    metrics,
    isOpenProvenance: (hash) => services.sessions.isCurrentProvenance(hash),
  });
  const jobs = registerCron({ ...jobsDeps, signal: shutdown.signal });
  for (
    const [name, check] of Object.entries(jobReadinessChecks(db, jobs, { startedAt: new Date() }))
  ) {
    readiness.add(name, check);
  }

  const defaultTenant = { id: DEFAULT_TENANT_ID, hash: await tenantHash(DEFAULT_TENANT_ID) };
  const appDeps = {
    config,
    log,
    metrics,
    readiness,
    tracer,
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
  } satisfies AppDeps;
  // Issue 20: the probes answer from an app with the same middleware but no feature routes; the
  // feature routes (one command pipeline: every surface decodes into its dispatcher) load on
  // the first other request, into an app built the same way (lib/http/app.ts).
  const probes = createApp(appDeps);
  const app = lazyApp(async () => {
    const { mountFeatures } = await importOptional<typeof import("./routes/features.ts")>(
      "strata:features",
    );
    return createApp({ ...appDeps, mount: (a) => mountFeatures(a, { config, services, tenants }) });
  }, log);
  const server = await serveApp(
    (req, info) => isProbePath(req) ? probes.fetch(req, info) : app(req, info),
    { hostname: config.host, port: config.port },
  );

  // Banner: one block (text logs) or record (JSON logs) that says what runs where; see lib/banner.ts.
  const status = await migrations();
  printBanner({
    mode: config.deploymentMode,
    url: `http://${
      server.addr.hostname.includes(":") ? `[${server.addr.hostname}]` : server.addr.hostname
    }:${server.addr.port}`,
    database: resolveDbTarget({ databaseUrl: config.databaseUrl, sqlitePath: config.sqlitePath }),
    notebooks: config.notebookStorageDir,
    artifacts: config.artifactBlobBackend === "s3"
      ? `s3://${config.s3.bucket}/${config.s3.prefix}`
      : config.artifactBlobBackend === "azure"
      ? `azure://${config.azure.container}/${config.azure.prefix}`
      : config.artifactBlobBackend === "gcs" // issue 19 item 5
      ? `gs://${config.gcs.bucket}/${config.gcs.prefix}`
      : config.artifactDir ?? "",
    migrations: {
      applied: services.migrated,
      pending: status.pending,
      current: status.currentName,
      autoMigrate: config.autoMigrate,
    },
    warnings,
    readyMs: Math.round(performance.now() - started),
    version: VERSION,
  }, { format: config.logFormat, log });

  const stop = async () => {
    log.info("shutting down: finishing in-flight requests");
    shutdown.abort();
    // Issue 21: running cells end now (NATS jobs are withdrawn), so in-flight runs answer and an
    // evicted instance (Deno Deploy: SIGKILL 5 s after SIGINT) stops in time.
    void services.executor.close();
    await server.shutdown();
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  // A SIGKILLed launcher cannot pass a signal on: stop as on SIGTERM (sessions closed, leases
  // handed over), and exit for good if that takes longer than an eviction would allow.
  watchLauncher(env, () => {
    log.error("the server's launcher is gone (killed): shutting down");
    void stop();
    Deno.unrefTimer(setTimeout(() => Deno.exit(1), 5_000));
  });
  await server.finished;
  log.info("http server stopped; stopping cell processes and closing the database");
  await services.close();
  await tracer?.close();
  log.info("stopped");
  return 0;
}

type Fetch = (req: Request, info: Deno.ServeHandlerInfo) => Response | Promise<Response>;

/**
 * A fetch handler built on its first request. Requests arriving while it loads wait for the same
 * build; a failed build answers 503 and is retried by the next request.
 */
export function lazyApp(build: () => Promise<{ fetch: Fetch }>, log: Logger): Fetch {
  let app: Promise<{ fetch: Fetch }> | undefined;
  return async (req, info) => {
    app ??= build();
    let built: { fetch: Fetch };
    try {
      built = await app;
    } catch (err) {
      app = undefined;
      log.error("cannot load the feature routes", { error: err });
      return Response.json(
        { error: { code: "unavailable", message: "The server could not load its routes." } },
        { status: 503 },
      );
    }
    return await built.fetch(req, info);
  };
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

if (import.meta.main) {
  const env = processEnv();
  // Issue 20: the relaunched server (start.ts, `strata serve`) starts without loading the CLI's
  // command modules; anything else goes through the CLI, loaded on demand.
  if (Deno.args.length === 1 && Deno.args[0] === "serve" && env.STRATA_IN_PROCESS === "1") {
    Deno.exit(await startServer(env));
  }
  const { runCli } = await importOptional<typeof import("./lib/cli/mod.ts")>("strata:cli");
  Deno.exit(await runCli(Deno.args, { env, serve: launch }));
}
