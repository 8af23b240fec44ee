/**
 * The server's own Deno permissions, derived from its configuration before it starts.
 * The launcher (main.ts serve) re-runs the server under exactly these flags, so even a bug in
 * the server cannot bind a public interface in personal mode or write outside its folders.
 */
import { hasInfisicalCredentials } from "../config/credentials.ts";
import { CELL_BASE_ENV } from "../config/cell_env.ts";
import type { Config } from "../config/resolve.ts";
import { natsAddress } from "../cluster/cluster_config.ts";
import { childDenoDir, denoCacheGrants } from "../executor/deno_dir.ts";

/** Facts about the running installation the flags depend on. */
export interface LaunchContext {
  /** Absolute path of the deno binary (cell processes are spawned with it). */
  denoPath: string;
  /** Folder holding the server code (main.ts or the bundle), node_modules and migrations. */
  codeRoot: string;
  /** Absolute path of kill(1), if present. */
  killPath?: string;
  /** The process environment, to see which optional integrations are configured. */
  env: Record<string, string | undefined>;
}

/** Read by the typescript package (cell analysis, cell modules) at import; non-secret. */
export const TYPESCRIPT_ENV = [
  "TSC_*",
  "NODE_*",
  "VSCODE_INSPECTOR_OPTIONS",
  "COLORTERM",
  "OS",
  "TERM",
  "TERM_PROGRAM",
  "WT_SESSION",
];

/** Environment variable names (with `*` prefixes) the server may read. */
export const SERVER_ENV = [
  "STRATA_*",
  "HOME",
  "DENO_DIR",
  "XDG_CACHE_HOME",
  "PG*",
  "AWS_*",
  // Read by @aws-sdk on every S3 call (home-directory lookup, tracing).
  "USERPROFILE",
  "HOMEPATH",
  "HOMEDRIVE",
  "_X_AMZN_TRACE_ID",
  "INFISICAL_*",
  // Google Cloud Storage (artifact_blob_backend = gcs): the service-account key file's path.
  "GOOGLE_APPLICATION_CREDENTIALS",
  // Azure Blob Storage credentials (artifact_blob_backend = azure); the SDK's loggers and
  // proxy policy read the others when it loads or sends.
  "AZURE_STORAGE_*",
  "AZURE_LOG_LEVEL",
  "TYPESPEC_RUNTIME_LOG_LEVEL",
  "DEBUG",
  "HTTPS_PROXY",
  "https_proxy",
  "HTTP_PROXY",
  "http_proxy",
  "NO_PROXY",
  "no_proxy",
  "ALL_PROXY",
  "all_proxy",
  ...TYPESCRIPT_ENV,
  "NO_COLOR",
  "TZ",
];

/**
 * Read by `@google-cloud/storage` and its dependencies at import or on a request (measured under
 * Deno 2.9 with --no-prompt); granted only with artifact_blob_backend = gcs. Not passed through
 * by the launcher (not in SERVER_ENV), so they read as unset: in particular STORAGE_EMULATOR_HOST
 * cannot redirect the client.
 */
export const GCS_ENV = [
  "GOOGLE_SDK_NODE_LOGGING",
  "TEENY_REQUEST_WARN_CONCURRENT_REQUESTS",
  "READABLE_STREAM",
  "STORAGE_EMULATOR_HOST",
  "FUNCTION_NAME",
  "NODE_USE_SYSTEM_CA",
];

/** Deno flags for the server process: net, read, write, env, run and sys, each as narrow as possible. */
export function serverPermissionFlags(config: Config, ctx: LaunchContext): string[] {
  return scopedFlags(config, ctx, { listen: listenAddress(config.host, config.port), dirs: [] });
}

/**
 * Deno flags for a CLI command (`strata run`, `strata gc`, ...): the server's set without the
 * listen address, plus read and write on the folders the command works on (a notebook folder
 * may sit anywhere on disk; the CLI is local and trusted).
 */
export function commandPermissionFlags(
  config: Config,
  ctx: LaunchContext,
  dirs: readonly string[],
  run: readonly string[] = [],
): string[] {
  return scopedFlags(config, ctx, { dirs, run });
}

function scopedFlags(
  config: Config,
  ctx: LaunchContext,
  scope: { listen?: string; dirs: readonly string[]; run?: readonly string[] },
): string[] {
  const net = new Set<string>(scope.listen ? [scope.listen] : []);
  if (config.databaseUrl) net.add(hostPort(config.databaseUrl, 5432));
  if (config.artifactBlobBackend === "s3") {
    net.add(
      config.s3.endpoint
        ? hostPort(config.s3.endpoint, 443)
        : `s3.${config.s3.region}.amazonaws.com`,
    );
    if (!config.s3.endpoint) net.add(`${config.s3.bucket}.s3.${config.s3.region}.amazonaws.com`);
  }
  if (config.artifactBlobBackend === "azure") net.add(azureHost(config));
  if (config.artifactBlobBackend === "gcs") {
    net.add(hostPort(config.gcs.endpoint ?? "https://storage.googleapis.com", 443));
    // A service-account key is exchanged for a token at Google's fixed token URL.
    if (config.credentials.gcp.keyFile) net.add("oauth2.googleapis.com:443");
  }
  const infisical = config.credentials.infisical;
  if (hasInfisicalCredentials(infisical)) {
    net.add(infisical.host ? hostPort(infisical.host, 443) : "app.infisical.com");
  }
  if (config.executorWorker) net.add(hostPort(config.executorWorker.url, 443));
  for (const u of config.cluster?.servers ?? []) net.add(natsAddress(u)!); // issue 21: NATS
  if (config.tracing.enabled) net.add(hostPort(config.tracing.endpoint, 4318));
  if (config.ai) net.add(hostPort(config.ai.baseUrl, 443)); // issue 18: the AI endpoint
  for (const h of config.outboundHosts) net.add(h);

  // What Deno caches for cell modules in the children's DENO_DIR, which the executor removes.
  const denoDir = config.executorMode === "local"
    ? childDenoDir(config.cellEnv, config.dataDir)
    : undefined;
  const denoCache = denoDir
    ? denoCacheGrants(denoDir, `${config.dataDir}/tmp`)
    : { read: [], write: [] };
  const writable = unique([
    config.dataDir,
    config.notebookStorageDir,
    config.artifactDir,
    ...scope.dirs,
  ]);
  const readable = unique([
    ctx.codeRoot,
    ...writable,
    ...denoCache.read,
    config.configFile,
    // The GCS service-account key file (read by the client when it first authenticates).
    ...(config.artifactBlobBackend === "gcs" ? [config.credentials.gcp.keyFile] : []),
    // cell_user by name is resolved through /etc/passwd (exec helper, issue 13 item 2).
    ...(config.executor.cellUser ? ["/etc/passwd"] : []),
  ]);
  const flags = [
    // Without any host, no --allow-net at all: `--no-prompt` then denies every connection.
    ...(net.size > 0 ? [`--allow-net=${[...net].join(",")}`] : []),
    `--allow-read=${readable.join(",")}`,
    `--allow-write=${[...writable, ...denoCache.write].join(",")}`,
    // The Azure SDK loads the `debug` package, which enumerates the whole environment at import
    // (a listed --allow-env cannot allow that). The launcher passes this process only the
    // variables it lists (clearEnv), so unrestricted reading exposes nothing more.
    config.artifactBlobBackend === "azure" ? "--allow-env" : `--allow-env=${
      [
        ...SERVER_ENV,
        ...CELL_BASE_ENV,
        ...config.cellEnvPassthrough,
        ...(config.artifactBlobBackend === "gcs" ? GCS_ENV : []),
      ].join(",")
    }`,
    // Cell processes are deno; kill(1) ends a cell's whole process group (Deno.kill would
    // need unrestricted --allow-run).
    `--allow-run=${
      [ctx.denoPath, ...(ctx.killPath ? [ctx.killPath] : []), ...(scope.run ?? [])].join(",")
    }`,
  ];
  // osRelease: the S3 and Azure SDKs put it in their user agent. uid: cell_user is refused
  // unless the server is root (exec helper, issue 13 item 2). setPriority: below.
  const sys = [
    ...(config.artifactBlobBackend === "s3" || config.artifactBlobBackend === "azure"
      ? ["osRelease"]
      : []),
    ...(config.executor.cellUser ? ["uid"] : []),
    // Cell children run at a lower CPU priority than the server (lib/executor/child.ts,
    // lowerPriority): setpriority(2) on a child it just started. It can only raise a nice value.
    ...(config.executorMode === "local" ? ["setPriority"] : []),
  ];
  // Deno 2.9's node:https reads the root certificates behind a sys permission named "ca" that
  // --allow-sys=<list> cannot name (measured: "unknown sys descriptor"); the GCS client talks
  // https through node:https, so GCS over https needs unrestricted sys. A plain-http emulator
  // endpoint needs none.
  if (config.artifactBlobBackend === "gcs" && !config.gcs.endpoint?.startsWith("http:")) {
    flags.push("--allow-sys");
  } else if (sys.length > 0) flags.push(`--allow-sys=${sys.join(",")}`);
  return flags;
}

/** The Azure blob endpoint the server talks to: azure_endpoint, the connection string's, or the account's. */
function azureHost(config: Config): string {
  if (config.azure.endpoint) return hostPort(config.azure.endpoint, 443);
  const azure = config.credentials.azure;
  const parts = new Map(
    (azure.connectionString ?? "").split(";").map((p) => {
      const i = p.indexOf("=");
      return [p.slice(0, i).trim(), p.slice(i + 1).trim()] as const;
    }),
  );
  if (parts.get("BlobEndpoint")) return hostPort(parts.get("BlobEndpoint")!, 443);
  const account = parts.get("AccountName") ?? azure.accountName ?? "";
  const suffix = parts.get("EndpointSuffix") ?? "core.windows.net";
  return `${account}.blob.${suffix}:443`;
}

/** host:port as Deno's net permission spells it (IPv6 in brackets). */
export function listenAddress(host: string, port: number): string {
  const h = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return `${h}:${port}`;
}

function hostPort(url: string, defaultPort: number): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `https://${url}`;
  const u = new URL(withScheme);
  const port = u.port ||
    (u.protocol === "http:" ? 80 : u.protocol === "https:" ? 443 : defaultPort);
  return `${u.hostname}:${port}`;
}

function unique(paths: (string | undefined)[]): string[] {
  return [...new Set(paths.filter((p): p is string => typeof p === "string" && p.length > 0))];
}
