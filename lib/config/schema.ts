/**
 * Every configuration key: its type, default and documentation. One table drives the TOML
 * reader, the STRATA_* environment reader, validation messages and docs/configuration.md.
 */
import { z } from "zod";
import { aclConfigSchema } from "../acl/acl.ts";
import { parseTransforms } from "../transforms/transforms.ts";
import { DEFAULT_CELL_ENV_PASSTHROUGH, passthroughProblem } from "./cell_env.ts";
import { retiredKeyProblems } from "../audit/audit_key.ts";
import { parseSecretManagerPolicy } from "../secrets/policy.ts";
import { SandboxPolicySchema } from "../sandbox/policy.ts";

/** How a key's raw value is read from a string (environment) or a TOML value. */
export type FieldKind = "string" | "bool" | "int" | "list" | "table";

/** One configuration key. */
export interface FieldSpec {
  kind: FieldKind;
  /** Validator for the converted value. */
  schema: z.ZodType;
  /** Human description (docs and `strata config`). */
  doc: string;
  /** A secret: never printed, never logged. */
  secret?: boolean;
}

const port = z.number().int().min(0).max(65535);
const positiveInt = z.number().int().min(1);
const nonNegativeInt = z.number().int().min(0);
const headerName = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, "must be an HTTP header name");

/** All keys, snake_case as in strata.toml; the environment name is STRATA_<UPPER_CASE>. */
export const FIELDS = {
  deployment_mode: {
    kind: "string",
    schema: z.enum(["personal", "service"]),
    doc:
      "personal (one developer, loopback, no auth) or service (team behind a trusted proxy). @default personal",
  },
  host: { kind: "string", schema: z.string().min(1), doc: "Listen address. @default 127.0.0.1" },
  port: { kind: "int", schema: port, doc: "Listen port (0 picks a free one). @default 8765" },
  allow_remote_clients_in_personal: {
    kind: "bool",
    schema: z.boolean(),
    doc:
      "Let personal mode bind a non-loopback address. Exposes unauthenticated writes. @default false",
  },
  allowed_hosts: {
    kind: "list",
    schema: z.array(z.string().min(1)),
    doc: "Extra Host header values accepted in personal mode (DNS-rebinding guard). @default []",
  },
  auth_mode: {
    kind: "string",
    schema: z.enum(["none", "trusted_proxy"]),
    doc:
      "none, or trusted_proxy (identity headers injected by an authenticating proxy). @default none",
  },
  proxy_token: {
    kind: "string",
    schema: z.string().min(16, "must be at least 16 characters"),
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
    schema: z.boolean(),
    doc: "Service mode tenancy. @default false",
  },
  require_tenant_header: {
    kind: "bool",
    schema: z.boolean(),
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
    schema: z.string().min(1),
    doc: "Where Strata keeps its state. @default ~/.strata",
  },
  database_url: {
    kind: "string",
    schema: z.string().regex(/^(postgres|postgresql):\/\//, "must be a postgres:// URL"),
    doc: "PostgreSQL URL; unset means SQLite at <data_dir>/strata.db.",
    secret: true,
  },
  notebook_storage_dir: {
    kind: "string",
    schema: z.string().min(1),
    doc: "Root folder for notebooks; paths are confined to it. @default ~/.strata/notebooks",
  },
  artifact_dir: {
    kind: "string",
    schema: z.string().min(1),
    doc:
      "Folder blob store. @default ~/.strata/artifacts in personal mode; must be set in service mode",
  },
  artifact_blob_backend: {
    kind: "string",
    schema: z.enum(["local", "s3"]),
    doc: "local (artifact_dir) or s3. @default local",
  },
  s3_bucket: { kind: "string", schema: z.string().min(3), doc: "S3 bucket for artifacts." },
  s3_prefix: {
    kind: "string",
    schema: z.string(),
    doc: "Key prefix inside the bucket. @default strata/",
  },
  s3_region: { kind: "string", schema: z.string().min(1), doc: "@default us-east-1" },
  s3_endpoint: {
    kind: "string",
    schema: z.url(),
    doc: "Custom S3-compatible endpoint (MinIO, s3rver, ...).",
  },
  s3_force_path_style: {
    kind: "bool",
    schema: z.boolean(),
    doc: "Path-style addressing. @default false",
  },
  rate_limit_enabled: { kind: "bool", schema: z.boolean(), doc: "@default true" },
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
    schema: z.boolean(),
    doc: "Use X-Forwarded-For as the client address (only behind a proxy you run). @default false",
  },
  acl_config: {
    kind: "table",
    schema: aclConfigSchema,
    doc: "Deny/allow rules; TOML table [acl_config] or JSON in STRATA_ACL_CONFIG.",
  },
  transforms: {
    kind: "table",
    schema: z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
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
    schema: SandboxPolicySchema,
    doc:
      "What tenant cells may be granted in service mode (`@allow` is a request; this is the ceiling): lists `net` (host globs, optional port), `env` (key globs), `read`/`write` (absolute folders), `import` (exact hosts are given to every cell; in personal mode it replaces the default npm/JSR/deno.land list), plus `[[sandbox.rules]]` entries with `tenant` and `principal` globs adding lists for whom they match. `run`, `ffi`, `sys`, all env, loopback, the listen address and the data, artifact and notebook-root folders are never granted. See docs/security.md. @default {}",
  },
  executor: {
    kind: "string",
    schema: z.enum(["local", "remote"]),
    doc:
      "Where cells run: local child processes, or a remote worker (Deno Deploy: no subprocesses). @default local",
  },
  executor_worker_url: {
    kind: "string",
    schema: z.url(),
    doc: "URL of the default remote worker when executor = remote.",
  },
  executor_worker_token: {
    kind: "string",
    schema: z.string().min(16, "must be at least 16 characters"),
    doc: "Bearer token of the default remote worker.",
    secret: true,
  },
  log_level: {
    kind: "string",
    schema: z.enum(["debug", "info", "warn", "error"]),
    doc: "@default info",
  },
  log_format: { kind: "string", schema: z.enum(["text", "json"]), doc: "@default text" },
  audit_hmac_key: {
    kind: "string",
    schema: z.string().min(32, "must be at least 32 bytes"),
    doc: "Key of the audit hash chain; required in service mode.",
    secret: true,
  },
  audit_retired_keys: {
    kind: "list",
    schema: z.array(z.string()).superRefine((entries, ctx) => {
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
    schema: z.record(z.string(), z.unknown()).superRefine((raw, ctx) => {
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
    schema: z.array(z.string().min(1)),
    doc:
      "Extra host[:port] the server itself may connect to (secret manager, workers). @default []",
  },
  executor_pool_size: {
    kind: "int",
    schema: nonNegativeInt,
    doc: "Warm cell processes kept ready. @default 2",
  },
  cell_memory_mb: {
    kind: "int",
    schema: positiveInt,
    doc: "Heap cap per cell process. @default 512",
  },
  cell_user: {
    kind: "string",
    schema: z.string().regex(/^([a-z_][a-z0-9_-]{0,31}|\d+:\d+)$/, "a user name or uid:gid"),
    doc: "OS user cells run as when the server is root (name or uid:gid). @default unset",
  },
  cell_timeout_seconds: {
    kind: "int",
    schema: positiveInt,
    doc: "Default cell timeout. @default 300",
  },
  retention_days: {
    kind: "int",
    schema: nonNegativeInt,
    doc: "Run history kept (0 = keep). @default 30",
  },
  cell_env_passthrough: {
    kind: "list",
    schema: z.array(z.string()).superRefine((names, ctx) => {
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
    schema: z.url({ protocol: /^https?$/ }),
    doc:
      "OpenAI-compatible chat completions endpoint (OpenAI, Azure, vLLM, Ollama: e.g. http://127.0.0.1:11434/v1); unset: no AI.",
  },
  ai_model: {
    kind: "string",
    schema: z.string().min(1).max(200),
    doc: "Model name sent to the AI endpoint; required with ai_base_url.",
  },
  ai_api_keys: {
    kind: "list",
    schema: z.array(z.string().min(1)).max(64),
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
  // ---- end AI ------------------------------------------------------------------------------
} satisfies Record<string, FieldSpec>;

/** A configuration key name. */
export type ConfigKey = keyof typeof FIELDS;

/** Keys that are not STRATA_<KEY> settings but are read from the environment by the loader. */
export const LOADER_ENV = ["STRATA_CONFIG", "HOME"] as const;
