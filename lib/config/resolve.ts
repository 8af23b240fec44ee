/** The resolved configuration: every default applied, paths expanded, frozen. */
import type { ConfigKey } from "./schema.ts";
import type { AclConfig } from "../acl/acl.ts";
import { parseTransforms, type Transforms } from "../transforms/transforms.ts";
import { cellEnvFrom, DEFAULT_CELL_ENV_PASSTHROUGH } from "./cell_env.ts";
import type { Credentials } from "./credentials.ts";
import { parseSecretManagerPolicy, type SecretManagerPolicy } from "../secrets/policy.ts";
import type { SandboxPolicy } from "../sandbox/policy.ts";
import { type ClusterConfig, resolveClusterConfig } from "../cluster/cluster_config.ts";

/** S3 settings for the artifact blob backend. */
export interface S3Config {
  bucket?: string;
  prefix: string;
  region: string;
  endpoint?: string;
  forcePathStyle: boolean;
}

/** Token-bucket settings. */
export interface RateLimitConfig {
  enabled: boolean;
  requestsPerSecond: number;
  burst: number;
  globalRequestsPerSecond: number;
  globalBurst: number;
  trustForwardedFor: boolean;
}

/** AI endpoint settings (issue 18); the keys are secrets, kept in memory only. */
export interface AiConfig {
  baseUrl: string;
  model: string;
  /** Never printed, logged, stored or passed to cells. */
  apiKeys: readonly string[];
  timeoutSeconds: number;
  maxTokens: number;
  /** Tokens each tenant may use per UTC day; 0: no budget. */
  tenantDailyTokenBudget: number;
}

/** Fully-resolved configuration; built only by loadConfig. */
export interface Config {
  deploymentMode: "personal" | "service";
  host: string;
  port: number;
  allowRemoteClientsInPersonal: boolean;
  allowedHosts: readonly string[];
  authMode: "none" | "trusted_proxy";
  proxyToken?: string;
  proxyTokenHeader: string;
  principalHeader: string;
  scopesHeader: string;
  personalModeUserHeader?: string;
  multiTenantEnabled: boolean;
  requireTenantHeader: boolean;
  tenantHeader: string;
  maxTenants: number;
  dataDir: string;
  databaseUrl?: string;
  /** SQLite file used when databaseUrl is unset. */
  sqlitePath: string;
  notebookStorageDir: string;
  /** Folder blob store; undefined only in service mode when not set (a coherence error). */
  artifactDir?: string;
  artifactBlobBackend: "local" | "s3" | "azure" | "gcs";
  /** Azure Blob Storage settings (credentials come from AZURE_STORAGE_* variables). */
  azure: { container?: string; prefix: string; endpoint?: string };
  /** Google Cloud Storage settings (the key file path comes from GOOGLE_APPLICATION_CREDENTIALS). */
  gcs: { bucket?: string; prefix: string; endpoint?: string; project?: string };
  s3: S3Config;
  rateLimit: RateLimitConfig;
  /** `[acl_config]`, validated; absent: no ACL. */
  acl?: AclConfig;
  /** `[transforms]`, validated (empty when none). */
  transforms: Transforms;
  /** Credentials from the environment (Infisical, AWS, worker tokens). */
  credentials: Credentials;
  /** Names passed to cell processes besides the base ones (`cell_env_passthrough`). */
  cellEnvPassthrough: readonly string[];
  /** The environment cell processes start with (base names + passthrough, where set). */
  cellEnv: Readonly<Record<string, string>>;
  /** Operator policy for what cells may be granted (`[sandbox]`). */
  sandbox: SandboxPolicy;
  /** Where cells run; remote needs executorWorker. */
  executorMode: "local" | "remote";
  executorWorker?: { url: string; token?: string };
  /** `[cluster]` (issue 21): cells run on NATS workers; absent: here. */
  cluster?: ClusterConfig;
  logLevel: "debug" | "info" | "warn" | "error";
  logFormat: "text" | "json";
  auditHmacKey?: string;
  /** Retired audit keys as configured (`<id>:<key>` or `<key>`); rows they signed keep verifying. */
  auditRetiredKeys: readonly string[];
  /** `[secret_manager_policy]`, parsed once at load; absent: none configured. */
  secretManagerPolicy?: SecretManagerPolicy;
  maxBodyBytes: number;
  outboundHosts: readonly string[];
  executor: { poolSize: number; memoryMb: number; timeoutSeconds: number; cellUser?: string };
  /** Where type checks and first analyses run (lib/langservice/type_thread.ts, issue 20). */
  typeCheckThread: "worker" | "main";
  /** The type Worker's heap cap in MiB (`type_check_memory_mb`). */
  typeCheckMemoryMb: number;
  /** Operations: migrations at start, background jobs, artifact cache limit, PostgreSQL pool. */
  autoMigrate: boolean;
  retention: { enabled: boolean; intervalSeconds: number; batchSize: number };
  retentionDays: number;
  artifactCacheMaxBytes: number;
  databasePoolSize: number;
  /** OpenTelemetry tracing (OTLP/HTTP JSON). */
  tracing: { enabled: boolean; endpoint: string; serviceName: string };
  /** AI settings; absent unless `ai_base_url` is set (issue 18). */
  ai?: AiConfig;
  /** Where each explicitly-set key came from ("strata.toml", "env STRATA_PORT"). */
  sources: Readonly<Partial<Record<ConfigKey, string>>>;
  /** The config file read, if any. */
  configFile?: string;
}

type Values = Partial<Record<ConfigKey, unknown>>;

/** What the loader read from the environment besides STRATA_* settings. */
export interface ResolveEnv {
  home: string;
  credentials: Credentials;
  env: Readonly<Record<string, string | undefined>>;
}

/** Applies defaults and derived values; internal to loadConfig. */
export function resolveConfig(
  v: Values,
  sources: Partial<Record<ConfigKey, string>>,
  from: ResolveEnv,
  configFile?: string,
): Config {
  const { home } = from;
  const passthrough = get0<string[]>(v, "cell_env_passthrough") ??
    [...DEFAULT_CELL_ENV_PASSTHROUGH];
  const get = <T>(key: ConfigKey, fallback: T): T => (v[key] ?? fallback) as T;
  const expand = (p: string) => (p === "~" || p.startsWith("~/") ? home + p.slice(1) : p);
  const mode = get<"personal" | "service">("deployment_mode", "personal");
  const dataDir = expand(get("data_dir", `${home}/.strata`));
  const artifactDir = v.artifact_dir !== undefined
    ? expand(v.artifact_dir as string)
    : mode === "personal"
    ? `${dataDir}/artifacts`
    : undefined;

  const config: Config = {
    deploymentMode: mode,
    host: get("host", "127.0.0.1"),
    port: get("port", 8765),
    allowRemoteClientsInPersonal: get("allow_remote_clients_in_personal", false),
    allowedHosts: get<string[]>("allowed_hosts", []),
    authMode: get("auth_mode", "none"),
    proxyToken: v.proxy_token as string | undefined,
    proxyTokenHeader: get("proxy_token_header", "X-Strata-Proxy-Token"),
    principalHeader: get("principal_header", "X-Strata-Principal"),
    scopesHeader: get("scopes_header", "X-Strata-Scopes"),
    personalModeUserHeader: v.personal_mode_user_header as string | undefined,
    multiTenantEnabled: get("multi_tenant_enabled", false),
    requireTenantHeader: get("require_tenant_header", false),
    tenantHeader: get("tenant_header", "X-Tenant-ID"),
    maxTenants: get("max_tenants", 1000),
    dataDir,
    databaseUrl: v.database_url as string | undefined,
    sqlitePath: `${dataDir}/strata.db`,
    notebookStorageDir: expand(get("notebook_storage_dir", `${dataDir}/notebooks`)),
    artifactDir,
    artifactBlobBackend: get("artifact_blob_backend", "local"),
    azure: {
      container: v.azure_container as string | undefined,
      prefix: get("azure_prefix", "strata/"),
      endpoint: v.azure_endpoint as string | undefined,
    },
    gcs: {
      bucket: v.gcs_bucket as string | undefined,
      prefix: get("gcs_prefix", "strata/"),
      endpoint: v.gcs_endpoint as string | undefined,
      project: v.gcs_project as string | undefined,
    },
    s3: {
      bucket: v.s3_bucket as string | undefined,
      prefix: get("s3_prefix", "strata/"),
      region: get("s3_region", "us-east-1"),
      endpoint: v.s3_endpoint as string | undefined,
      forcePathStyle: get("s3_force_path_style", false),
    },
    rateLimit: {
      enabled: get("rate_limit_enabled", true),
      requestsPerSecond: get("rate_limit_requests_per_second", 50),
      burst: get("rate_limit_burst", 200),
      globalRequestsPerSecond: get("rate_limit_global_requests_per_second", 1000),
      globalBurst: get("rate_limit_global_burst", 2000),
      trustForwardedFor: get("rate_limit_trust_forwarded_for", false),
    },
    acl: v.acl_config as AclConfig | undefined,
    transforms: parseTransforms(v.transforms),
    credentials: from.credentials,
    cellEnvPassthrough: passthrough,
    cellEnv: cellEnvFrom(from.env, passthrough),
    sandbox: (v.sandbox ?? {}) as SandboxPolicy,
    executorMode: get("executor", "local"),
    executorWorker: v.executor_worker_url
      ? {
        url: v.executor_worker_url as string,
        token: v.executor_worker_token as string | undefined,
      }
      : undefined,
    cluster: resolveClusterConfig(
      v.cluster as Parameters<typeof resolveClusterConfig>[0],
      from.credentials.natsToken,
    ),
    logLevel: get("log_level", "info"),
    logFormat: get("log_format", "text"),
    auditHmacKey: v.audit_hmac_key as string | undefined,
    auditRetiredKeys: get<string[]>("audit_retired_keys", []),
    secretManagerPolicy: v.secret_manager_policy === undefined
      ? undefined
      : parseSecretManagerPolicy(v.secret_manager_policy).policy ?? undefined,
    maxBodyBytes: get("max_body_bytes", 10 * 1024 * 1024),
    outboundHosts: get<string[]>("outbound_hosts", []),
    executor: {
      poolSize: get("executor_pool_size", 2),
      memoryMb: get("cell_memory_mb", 512),
      timeoutSeconds: get("cell_timeout_seconds", 300),
      cellUser: v.cell_user as string | undefined,
    },
    typeCheckThread: get("type_check_thread", "worker"),
    typeCheckMemoryMb: get("type_check_memory_mb", 2048),
    // Operations.
    autoMigrate: get("auto_migrate", true),
    retention: {
      enabled: get("retention_enabled", true),
      intervalSeconds: get("retention_interval_seconds", 3600),
      batchSize: get("retention_batch_size", 5000),
    },
    retentionDays: get("retention_days", 30),
    artifactCacheMaxBytes: get("artifact_cache_max_bytes", 0),
    databasePoolSize: get("database_pool_size", 5),
    tracing: {
      enabled: get("tracing_enabled", false),
      endpoint: get("tracing_otlp_endpoint", "http://127.0.0.1:4318"),
      serviceName: get("tracing_service_name", "strata"),
    },
    ai: v.ai_base_url === undefined ? undefined : {
      baseUrl: v.ai_base_url as string,
      model: get("ai_model", ""),
      apiKeys: get<string[]>("ai_api_keys", []),
      timeoutSeconds: get("ai_timeout_seconds", 120),
      maxTokens: get("ai_max_tokens", 1024),
      tenantDailyTokenBudget: get("ai_tenant_daily_token_budget", 0),
    },
    sources,
    configFile,
  };
  return deepFreeze(config);
}

function get0<T>(v: Values, key: ConfigKey): T | undefined {
  return v[key] as T | undefined;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value as Record<string, unknown>)) deepFreeze(inner);
  }
  return value;
}
