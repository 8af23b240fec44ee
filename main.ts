/**
 * Strata: composes the server (config, coherence, storage, migrations, app, serve, cron) and
 * dispatches the CLI. `strata serve` first re-runs itself under the permissions its config needs.
 */
import { readConfig } from "./lib/config/read.ts";
import { checkCoherence } from "./lib/config/coherence.ts";
import { ConfigError } from "./lib/config/load.ts";
import { createLogger, type Logger } from "./lib/log.ts";
import { createMetrics } from "./lib/metrics.ts";
import { createReadiness } from "./lib/readiness.ts";
import { openDb } from "./lib/db/open.ts";
import { migrate, migrationStatus } from "./lib/db/migrate.ts";
import { createApp } from "./lib/http/app.ts";
import { serveApp } from "./lib/http/serve.ts";
import { processEnv, relaunchServer } from "./lib/launcher/launch.ts";
import { DEFAULT_TENANT_ID, tenantHash } from "./lib/tenancy/tenant_id.ts";
import { runCli } from "./lib/cli/mod.ts";
import { createExecutor } from "./lib/executor/executor.ts";
import { SessionRegistry } from "./lib/session/registry.ts";
import { createSessionSecrets } from "./lib/secrets/session_secrets.ts";
import { createSecretProviderRegistry } from "./lib/secrets/provider.ts";
import { infisicalProvider } from "./lib/secrets/infisical.ts";
import { tenantRegistry } from "./lib/tenancy/registry.ts";
import { createQos } from "./lib/tenancy/qos.ts";
import { parseAcl } from "./lib/acl/acl.ts";
import { mountApi } from "./routes/api/mod.ts";
import { pageRoutes } from "./routes/pages/mod.ts";
import { openBlobStore } from "./lib/artifacts/open.ts";
import { tenantNotebookRoot } from "./lib/session/tenant_root.ts";

/** Strata's version, shown by /health and the banner. */
export const VERSION = "0.1.0";

/** Starts the server in this process; resolves when it has shut down. Returns the exit code. */
export async function startServer(env: Record<string, string | undefined>): Promise<number> {
  const started = performance.now();
  const loaded = loadOrExplain(env);
  if (!loaded) return 2;
  const { config } = loaded;
  const log = createLogger({ level: config.logLevel, format: config.logFormat });
  for (const w of [...loaded.warnings, ...checkCoherence(config).warnings]) log.warn(w);

  await Deno.mkdir(config.dataDir, { recursive: true });
  await Deno.mkdir(config.notebookStorageDir, { recursive: true });
  if (config.artifactDir) await Deno.mkdir(config.artifactDir, { recursive: true });
  const db = await openDb({ databaseUrl: config.databaseUrl, sqlitePath: config.sqlitePath });
  const migrated = await migrate(db, { log });

  const metrics = createMetrics();
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

  const blobs = openBlobStore(config, env);
  const scratchRoot = `${config.dataDir}/tmp`;
  await Deno.mkdir(scratchRoot, { recursive: true });
  const executor = createExecutor({
    scratchRoot,
    poolSize: config.executor.poolSize,
    childEnv: cellChildEnv(env),
    log: log.child({ component: "executor" }),
  });
  const secretProviders = createSecretProviderRegistry([infisicalProvider()]);
  const sessions = new SessionRegistry({
    db,
    blobs,
    executor,
    log,
    metrics,
    denoVersion: Deno.version.deno,
    memoryMb: config.executor.memoryMb,
    defaultTimeoutSeconds: config.executor.timeoutSeconds,
  }, { secrets: () => createSessionSecrets({ registry: secretProviders, env, log: log.child({ component: "secrets" }) }) });
  const tenants = tenantRegistry({ max: config.maxTenants });
  const apiDeps = {
    config,
    db,
    blobs,
    sessions,
    tenants,
    notebookRoot: (tenant: { id: string; hash: string }) => tenantNotebookRoot(config, tenant),
    acl: config.acl ? parseAcl(config.acl) : undefined,
    qos: createQos({ interactiveSlots: 2, bulkSlots: 1, globalBulkSlots: 2 }),
  };

  const defaultTenant = { id: DEFAULT_TENANT_ID, hash: await tenantHash(DEFAULT_TENANT_ID) };
  const app = createApp({
    config,
    log,
    metrics,
    readiness,
    version: VERSION,
    defaultTenant,
    tenants,
    mount: (a) => {
      mountApi(a, apiDeps);
      a.route("/", pageRoutes(apiDeps));
    },
  });
  const server = await serveApp(app.fetch, { hostname: config.host, port: config.port });

  banner(log, {
    mode: config.deploymentMode,
    url: `http://${server.addr.hostname.includes(":") ? `[${server.addr.hostname}]` : server.addr.hostname}:${server.addr.port}`,
    database: config.databaseUrl ? "postgresql" : config.sqlitePath,
    notebooks: config.notebookStorageDir,
    artifacts: config.artifactBlobBackend === "s3" ? `s3://${config.s3.bucket}/${config.s3.prefix}` : config.artifactDir,
    migrations: migrated.applied.length ? `applied ${migrated.applied.join(", ")}` : "up to date",
    ready_ms: Math.round(performance.now() - started),
  });

  const stop = async () => {
    log.info("shutting down: finishing in-flight requests");
    await server.shutdown();
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  await server.finished;
  log.info("http server stopped; stopping cell processes");
  await executor.close();
  log.info("cell processes stopped; closing the database");
  await db.close();
  log.info("stopped");
  return 0;
}

/** `strata serve`: check config, then run the server under its derived permissions. */
export async function launch(env: Record<string, string | undefined>, args: string[]): Promise<number> {
  if (env.STRATA_IN_PROCESS === "1" || args.includes("--in-process")) return await startServer(env);
  const loaded = loadOrExplain(env);
  if (!loaded) return 2;
  return await relaunchServer({ config: loaded.config, mainModule: Deno.mainModule, args: ["serve"], env });
}

function loadOrExplain(env: Record<string, string | undefined>) {
  try {
    const loaded = readConfig(env);
    const { conflicts } = checkCoherence(loaded.config);
    if (conflicts.length > 0) {
      console.error(`Strata cannot start: the configuration is incoherent.\n${conflicts.map((c) => `  - ${c}`).join("\n")}`);
      return null;
    }
    return loaded;
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Strata cannot start. ${err.message}`);
      return null;
    }
    throw err;
  }
}

/** Environment of cell processes: only what Deno needs to find its module cache. */
function cellChildEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ["HOME", "DENO_DIR", "XDG_CACHE_HOME", "PATH", "TZ", "NO_COLOR"]) {
    if (env[k]) out[k] = env[k]!;
  }
  return out;
}

function banner(log: Logger, facts: Record<string, unknown>): void {
  log.info("Strata is ready", facts);
}

if (import.meta.main) {
  Deno.exit(await runCli(Deno.args, { env: processEnv(), serve: launch }));
}
