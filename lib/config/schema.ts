/**
 * Every configuration key: its type, default and documentation. One table drives the TOML
 * reader, the STRATA_* environment reader, validation messages and docs/configuration.md.
 */
import { z } from "zod";
import { intervalProblem } from "../jobs/interval.ts";
import { aclConfigSchema } from "../acl/acl.ts";
import { parseTransforms } from "../transforms/transforms.ts";
import { DEFAULT_CELL_ENV_PASSTHROUGH, passthroughProblem } from "./cell_env.ts";
import { retiredKeyProblems } from "../audit/audit_key.ts";
import { parseSecretManagerPolicy } from "../secrets/policy.ts";
import { SandboxPolicySchema } from "../sandbox/policy.ts";
import { ClusterConfigSchema } from "../cluster/cluster_config.ts";

/** How a key's raw value is read from a string (environment) or a TOML value. */
export type FieldKind = "string" | "bool" | "int" | "list" | "table";

/** One configuration key. */
export interface FieldSpec {
  kind: FieldKind;
  /**
   * Validator for the converted value, built when called: a start validates only the keys it is
   * given, so the others' schemas are never built (load.ts keeps each one it builds).
   */
  schema: () => z.ZodType;
  /** Human description (docs and `strata config`). */
  doc: string;
  /** A secret: never printed, never logged. */
  secret?: boolean;
}

const port = () => z.number().int().min(0).max(65535);
const positiveInt = () => z.number().int().min(1);
const nonNegativeInt = () => z.number().int().min(0);
const headerName = () => z.string().regex(/^[A-Za-z0-9-]{1,64}$/, "must be an HTTP header name");

/** All keys, snake_case as in strata.toml; the environment name is STRATA_<UPPER_CASE>. */
export const FIELDS = {
  deployment_mode: {
    kind: "string",
    schema: () => z.enum(["personal", "service"]),
    doc:
      "personal (one developer, loopback, no auth) or service (team behind a trusted proxy). @default personal",
  },
  host: {
    kind: "string",
    schema: () => z.string().min(1),
    doc: "Listen address. @default 127.0.0.1",
  },
  port: { kind: "int", schema: port, doc: "Listen port (0 picks a free one). @default 8765" },
  allow_remote_clients_in_personal: {
    kind: "bool",
    schema: () => z.boolean(),
    doc:
      "Let personal mode bind a non-loopback address. Exposes unauthenticated writes. @default false",
  },
  allowed_hosts: {
    kind: "list",
    schema: () =>
      z.array(
        z.string().regex(
          /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/,
          "each entry must be a host name or host:port",
        ),
      ),
    doc:
      "Extra Host names personal mode answers to (DNS-rebinding guard): `name` (any port) or `name:port`. Loopback names (localhost, 127.0.0.1, [::1]) are always accepted on any port, so ssh/docker port forwarding works. @default []",
  },
  auth_mode: {
    kind: "string",
    schema: () => z.enum(["none", "trusted_proxy"]),
    doc:
      "none, or trusted_proxy (identity headers injected by an authenticating proxy). @default none",
  },
  proxy_token: {
    kind: "string",
    schema: () => z.string().min(16, "must be at least 16 characters"),
    doc: "Shared secret the proxy sends in the proxy token header. Required in service mode.",
    secret: true,
  },
  proxy_token_header: {
    kind: "string",
    schema: headerName,
    doc: "@default X-Strata-Proxy-Token",
  },
  principal_header: { kind: "string", schema: headerName, doc: "@default X-Strata-Principal" },
  scopes_header: { kind: "string", schema: headerName, doc: "@default X-Strata-Scopes" },
  personal_mode_user_header: {
    kind: "string",
    schema: headerName,
    doc: "Personal mode shared with a small group: header carrying the caller's identity.",
  },
  multi_tenant_enabled: {
    kind: "bool",
    schema: () => z.boolean(),
    doc: "Service mode tenancy. @default false",
  },
  require_tenant_header: {
    kind: "bool",
    schema: () => z.boolean(),
    doc: "Reject requests without a tenant header. @default false",
  },
  tenant_header: { kind: "string", schema: headerName, doc: "@default X-Tenant-ID" },
  max_tenants: {
    kind: "int",
    schema: positiveInt,
    doc: "Tenant registry size (LRU). @default 1000",
  },
  data_dir: {
    kind: "string",
    schema: () => z.string().min(1),
    doc: "Where Strata keeps its state. @default ~/.strata",
  },
  database_url: {
    kind: "string",
    schema: () => z.string().regex(/^(postgres|postgresql):\/\//, "must be a postgres:// URL"),
    doc: "PostgreSQL URL; unset means SQLite at <data_dir>/strata.db.",
    secret: true,
  },
  notebook_storage_dir: {
    kind: "string",
    schema: () => z.string().min(1),
    doc: "Root folder for notebooks; paths are confined to it. @default ~/.strata/notebooks",
  },
  artifact_dir: {
    kind: "string",
    schema: () => z.string().min(1),
    doc:
      "Folder blob store. @default ~/.strata/artifacts in personal mode; must be set in service mode",
  },
  artifact_blob_backend: {
    kind: "string",
    schema: () => z.enum(["local", "s3", "azure", "gcs"]),
    doc:
      "local (artifact_dir), s3, azure (Azure Blob Storage) or gcs (Google Cloud Storage). @default local",
  },
  s3_bucket: { kind: "string", schema: () => z.string().min(3), doc: "S3 bucket for artifacts." },
  s3_prefix: {
    kind: "string",
    schema: () => z.string(),
    doc: "Key prefix inside the bucket. @default strata/",
  },
  s3_region: { kind: "string", schema: () => z.string().min(1), doc: "@default us-east-1" },
  s3_endpoint: {
    kind: "string",
    schema: () => z.url(),
    doc: "Custom S3-compatible endpoint (MinIO, s3rver, ...).",
  },
  s3_force_path_style: {
    kind: "bool",
    schema: () => z.boolean(),
    doc: "Path-style addressing. @default false",
  },
  rate_limit_enabled: { kind: "bool", schema: () => z.boolean(), doc: "@default true" },
  rate_limit_requests_per_second: {
    kind: "int",
    schema: positiveInt,
    doc: "Per-client refill rate. @default 50",
  },
  rate_limit_burst: {
    kind: "int",
    schema: positiveInt,
    doc: "Per-client bucket size. @default 200",
  },
  rate_limit_global_requests_per_second: {
    kind: "int",
    schema: positiveInt,
    doc: "Whole-server refill rate. @default 1000",
  },
  rate_limit_global_burst: { kind: "int", schema: positiveInt, doc: "@default 2000" },
  rate_limit_trust_forwarded_for: {
    kind: "bool",
    schema: () => z.boolean(),
    doc: "Use X-Forwarded-For as the client address (only behind a proxy you run). @default false",
  },
  acl_config: {
    kind: "table",
    schema: () => aclConfigSchema,
    doc: "Deny/allow rules; TOML table [acl_config] or JSON in STRATA_ACL_CONFIG.",
  },
  transforms: {
    kind: "table",
    schema: () =>
      z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
        try {
          parseTransforms(value);
        } catch (err) {
          ctx.addIssue({ code: "custom", message: (err as Error).message });
        }
      }),
    doc:
      "Server-side transforms POST /v1/materialize may run; TOML [transforms.<name>] or JSON in STRATA_TRANSFORMS.",
  },
  sandbox: {
    kind: "table",
    schema: () => SandboxPolicySchema,
    doc:
      "What tenant cells may be granted in service mode (`@allow` is a request; this is the ceiling): lists `net` (host globs, optional port), `env` (key globs), `read`/`write` (absolute folders), `import` (exact hosts are given to every cell; in personal mode it replaces the default npm/JSR/deno.land list), plus `[[sandbox.rules]]` entries with `tenant` and `principal` globs adding lists for whom they match. `run`, `ffi`, `sys`, all env, loopback, the listen address and the data, artifact and notebook-root folders are never granted. See docs/security.md. @default {}",
  },
  cluster: {
    kind: "table",
    schema: () => ClusterConfigSchema,
    doc:
      "Scale-out over NATS JetStream (issue 21): `nats_url` (nats://host:port, comma list), `stream`, `subject_prefix`, `replicas`, `tenant_max_interactive`, `tenant_max_bulk`, `ack_wait_ms`, `max_deliver`, `queue_timeout_seconds`, `replica_id` (this replica as a notebook owner; default random), `lease_ttl_ms` (owner lease, default 10000); TOML [cluster] or JSON in STRATA_CLUSTER. Set: every cell runs on `strata worker --nats` processes and each open notebook has one owner replica the others forward to. The NATS token comes only from STRATA_NATS_TOKEN. @default unset (cells run here)",
  },
  executor: {
    kind: "string",
    schema: () => z.enum(["local", "remote"]),
    doc:
      "Where cells run: local child processes, or a remote worker (Deno Deploy: no subprocesses). @default local",
  },
  executor_worker_url: {
    kind: "string",
    schema: () => z.url(),
    doc: "URL of the default remote worker when executor = remote.",
  },
  executor_worker_token: {
    kind: "string",
    schema: () => z.string().min(16, "must be at least 16 characters"),
    doc: "Bearer token of the default remote worker.",
    secret: true,
  },
  log_level: {
    kind: "string",
    schema: () => z.enum(["debug", "info", "warn", "error"]),
    doc: "@default info",
  },
  log_format: { kind: "string", schema: () => z.enum(["text", "json"]), doc: "@default text" },
  audit_hmac_key: {
    kind: "string",
    schema: () => z.string().min(32, "must be at least 32 bytes"),
    doc: "Key of the audit hash chain; required in service mode.",
    secret: true,
  },
  audit_retired_keys: {
    kind: "list",
    schema: () =>
      z.array(z.string()).superRefine((entries, ctx) => {
        for (const problem of retiredKeyProblems(entries)) {
          ctx.addIssue({ code: "custom", message: problem });
        }
      }),
    doc:
      "Audit keys rotated out, so rows they signed keep verifying: comma list of <id>:<key> (or <key>, id derived). @default []",
    secret: true,
  },
  secret_manager_policy: {
    kind: "table",
    schema: () =>
      z.record(z.string(), z.unknown()).superRefine((raw, ctx) => {
        for (const problem of parseSecretManagerPolicy(raw).problems) {
          ctx.addIssue({ code: "custom", message: problem });
        }
      }),
    doc:
      "Service mode: Infisical projects/environments each tenant may read; TOML [secret_manager_policy.<tenant or glob>] projects/environments, or JSON in STRATA_SECRET_MANAGER_POLICY. Unlisted: refused.",
  },
  max_body_bytes: {
    kind: "int",
    schema: positiveInt,
    doc: "Request body limit. @default 10485760",
  },
  outbound_hosts: {
    kind: "list",
    schema: () => z.array(z.string().min(1)),
    doc:
      "Extra host[:port] the server itself may connect to (secret manager, workers). @default []",
  },
  executor_pool_size: {
    kind: "int",
    schema: nonNegativeInt,
    doc: "Warm cell processes kept ready. @default 2",
  },
  type_check_thread: {
    kind: "string",
    schema: () => z.enum(["worker", "main"]),
    doc: "Where the editor's type checks run: `worker` (one Worker thread, started by the first " +
      "edit or type request: the server answers while anyone types; ≈30 MiB more while it " +
      "lives) or `main` (the server's own thread, in 15 ms slices: less memory, slower answers " +
      'during checks). @default "worker"',
  },
  type_check_memory_mb: {
    kind: "int",
    schema: () => z.number().int().min(256),
    doc: "Heap cap of the type-check Worker in MiB: a notebook whose types need more stops the " +
      "Worker (not the server) and, the second time, loses type checking for 10 minutes. " +
      'Applies to `type_check_thread = "worker"`; on the main thread checks share the server\'s ' +
      "heap. @default 2048",
  },
  cell_memory_mb: {
    kind: "int",
    schema: positiveInt,
    doc: "Heap cap per cell process. @default 512",
  },
  cell_user: {
    kind: "string",
    schema: () => z.string().regex(/^([a-z_][a-z0-9_-]{0,31}|\d+:\d+)$/, "a user name or uid:gid"),
    doc: "OS user cells run as when the server is root (name or uid:gid). @default unset",
  },
  cell_timeout_seconds: {
    kind: "int",
    schema: positiveInt,
    doc: "Default cell timeout. @default 300",
  },
  azure_container: {
    kind: "string",
    schema: () =>
      z.string().regex(
        /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/,
        "must be an Azure container name (3-63 lowercase letters, digits, single hyphens)",
      ),
    doc:
      "Azure Blob Storage container for artifacts (artifact_blob_backend = azure). Credentials: AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT + AZURE_STORAGE_KEY.",
  },
  azure_prefix: {
    kind: "string",
    schema: () => z.string().regex(/^(?:[A-Za-z0-9._-]+\/)*$/, "must be empty or end with '/'"),
    doc: "Blob name prefix inside the container. @default strata/",
  },
  azure_endpoint: {
    kind: "string",
    schema: () => z.url(),
    doc:
      "Account URL (Azurite: http://127.0.0.1:10000/devstoreaccount1). @default https://<AZURE_STORAGE_ACCOUNT>.blob.core.windows.net",
  },
  gcs_bucket: {
    kind: "string",
    schema: () =>
      z.string().regex(
        /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/,
        "must be a GCS bucket name (3-222 lowercase letters, digits, '.', '-', '_')",
      ),
    doc:
      "Google Cloud Storage bucket for artifacts (artifact_blob_backend = gcs). Credentials: GOOGLE_APPLICATION_CREDENTIALS (path of a service-account JSON key), or none with gcs_endpoint (an emulator).",
  },
  gcs_prefix: {
    kind: "string",
    schema: () => z.string().regex(/^(?:[A-Za-z0-9._-]+\/)*$/, "must be empty or end with '/'"),
    doc: "Object name prefix inside the bucket. @default strata/",
  },
  gcs_endpoint: {
    kind: "string",
    schema: () => z.url(),
    doc:
      "Custom JSON API endpoint (an emulator such as fake-gcs-server: http://127.0.0.1:4443); without GOOGLE_APPLICATION_CREDENTIALS requests are unauthenticated. @default https://storage.googleapis.com",
  },
  gcs_project: {
    kind: "string",
    schema: () => z.string().min(1),
    doc: "Google Cloud project id. @default the key file's project_id",
  },
  // --- Operations: migrations, background jobs, artifact cache, database pool, tracing. ---
  auto_migrate: {
    kind: "bool",
    schema: () => z.boolean(),
    doc:
      "Apply pending database migrations at start. Set false when migrations are a separate deploy step (`strata migrate`); /ready then reports `migrations` not ready until they are applied. @default true",
  },
  retention_enabled: {
    kind: "bool",
    schema: () => z.boolean(),
    doc: "Background retention sweep of run history and console logs. @default true",
  },
  retention_interval_seconds: {
    kind: "int",
    schema: () =>
      z.number().int().refine((s) => intervalProblem(s) === null, {
        message: "must be a multiple of 60 that divides an hour or a day (e.g. 900, 3600, 86400)",
      }),
    doc:
      "Seconds between retention sweeps; a multiple of 60 dividing an hour or a day. @default 3600",
  },
  retention_batch_size: {
    kind: "int",
    schema: positiveInt,
    doc: "Run records deleted per statement; a sweep does at most 10 batches. @default 5000",
  },
  retention_days: {
    kind: "int",
    schema: nonNegativeInt,
    doc: "Run history and console logs kept, in days (0 = keep). @default 30",
  },
  artifact_cache_max_bytes: {
    kind: "int",
    schema: nonNegativeInt,
    doc:
      "Artifact cache size limit: past it the hourly artifact collection removes least-recently-used artifacts, never one an open session or a notebook's runtime state uses (0 = no limit). @default 0",
  },
  tracing_enabled: {
    kind: "bool",
    schema: () => z.boolean(),
    doc:
      "OpenTelemetry tracing: a span per HTTP request and per cell run (ids, hashes, status, cache hit, duration; never sources, values or secrets), sent as OTLP/HTTP JSON. @default false",
  },
  tracing_otlp_endpoint: {
    kind: "string",
    schema: () => z.url().regex(/^https?:\/\//, "must be an http(s) URL"),
    doc:
      "OTLP/HTTP collector base URL; spans go to `<url>/v1/traces`. The server may connect to it. @default http://127.0.0.1:4318",
  },
  tracing_service_name: {
    kind: "string",
    schema: () => z.string().min(1).max(100),
    doc: "`service.name` of the spans. @default strata",
  },
  database_pool_size: {
    kind: "int",
    schema: () => z.number().int().min(1).max(1000),
    doc:
      "PostgreSQL connections per process (the pool size; mind the server's max_connections across replicas). @default 5",
  },
  cell_env_passthrough: {
    kind: "list",
    schema: () =>
      z.array(z.string()).superRefine((names, ctx) => {
        for (const n of names) {
          const problem = passthroughProblem(n);
          if (problem) ctx.addIssue({ code: "custom", message: problem });
        }
      }),
    doc: `Environment variables passed from the server to cell processes besides HOME, DENO_DIR, ` +
      `XDG_CACHE_HOME, PATH, TZ and NO_COLOR (proxies, CA bundles); never secrets. @default ${
        DEFAULT_CELL_ENV_PASSTHROUGH.join(",")
      }`,
  },
  // ---- AI: prompt cells and generated cells (issue 18) -------------------------------------
  ai_base_url: {
    kind: "string",
    schema: () => z.url({ protocol: /^https?$/ }),
    doc:
      "OpenAI-compatible chat completions endpoint (OpenAI, Azure, vLLM, Ollama: e.g. http://127.0.0.1:11434/v1); unset: no AI.",
  },
  ai_model: {
    kind: "string",
    schema: () => z.string().min(1).max(200),
    doc: "Model name sent to the AI endpoint; required with ai_base_url.",
  },
  ai_api_keys: {
    kind: "list",
    schema: () => z.array(z.string().min(1)).max(64),
    doc:
      "AI API keys, comma list, used round-robin; a key answering 401/429 rests with backoff. Kept in memory only. @default [] (an endpoint without auth)",
    secret: true,
  },
  ai_timeout_seconds: {
    kind: "int",
    schema: positiveInt,
    doc: "Timeout of one AI request. @default 120",
  },
  ai_max_tokens: {
    kind: "int",
    schema: positiveInt,
    doc: "max_tokens of each AI answer (part of a prompt cell's cache key). @default 1024",
  },
  ai_tenant_daily_token_budget: {
    kind: "int",
    schema: nonNegativeInt,
    doc: "Tokens each tenant may use per UTC day (prompt + completion; 0 = no budget); past it, " +
      "AI requests answer 429 until midnight. Usage is the metric strata_ai_tokens_total. @default 0",
  },
  // ---- end AI ------------------------------------------------------------------------------
} satisfies Record<string, FieldSpec>;

/** A configuration key name. */
export type ConfigKey = keyof typeof FIELDS;

/** Keys that are not STRATA_<KEY> settings but are read from the environment by the loader. */
export const LOADER_ENV = ["STRATA_CONFIG", "HOME"] as const;
