/**
 * The SecretProvider contract, the `[secret_manager]` config parser and the provider registry.
 *
 * A provider turns routing info from notebook.toml (project, environment, path) plus credentials
 * from the server's own environment into a flat map of env values. Adding Vault, AWS Secrets
 * Manager or Doppler is one new module implementing `SecretProvider`, registered by the caller.
 */

import { z } from "zod";
import { isSensitiveKey } from "./sensitive.ts";

/** Routing info from the notebook's `[secret_manager]` table; safe to commit, holds no credential. */
export interface SecretManagerConfig {
  /** Provider name, lowercased, e.g. "infisical". */
  provider: string;
  /** The manager's project (Infisical: project id, sent as workspaceId). */
  project_id: string;
  /** Environment slug. @default "dev" */
  environment: string;
  /** Folder path inside the environment, always starting with "/". @default "/" */
  path: string;
  /** Self-hosted deployment URL; absent means the provider's default. */
  base_url?: string;
}

/** What a fetch produced. `error` set means the fetch failed and `secrets` is empty. */
export interface SecretFetchResult {
  /** Key → value, memory only: never logged, persisted or hashed. */
  secrets: Record<string, string>;
  /** The provider name the values came from (the env source badge), e.g. "infisical". */
  source: string;
  /** When the fetch finished (or failed). */
  fetchedAt: Date;
  /** A message safe to show and log: it never contains a credential or secret value. */
  error?: string;
}

import type { Credentials } from "../config/credentials.ts";

/** Per-call inputs a provider may use besides the notebook config. */
export interface SecretFetchContext {
  /** The server's credentials, read once by the config loader; the only place they live. */
  credentials: Credentials;
  /** Cancels the fetch; the result is then an error value, not a throw. */
  signal?: AbortSignal;
}

/** A secret manager backend. `fetch` never throws: every failure is a result with `error`. */
export interface SecretProvider {
  /** Lowercase name matched against `[secret_manager].provider`. */
  name: string;
  /** Fetches every secret at the configured location. */
  fetch(config: SecretManagerConfig, ctx: SecretFetchContext): Promise<SecretFetchResult>;
}

/** Outcome of parsing a `[secret_manager]` table: a config, or an error; warnings either way. */
export type ParsedSecretManagerConfig =
  | { config: SecretManagerConfig; warnings: string[]; error?: undefined }
  | { config: null; warnings: string[]; error: string };

const KNOWN_KEYS = new Set(["provider", "project_id", "environment", "path", "base_url"]);
// isSensitiveKey covers KEY/SECRET/TOKEN/PASSWORD/CREDENTIAL; these catch the other halves of
// credentials people paste (client_id, auth, passwd, private...).
const CREDENTIAL_LIKE = /CLIENT_?ID|AUTH|PASSW|PRIVATE|BEARER|JWT/;

const configSchema = z.object({
  provider: z.string().trim().min(1, "provider is required").transform((s) => s.toLowerCase()),
  project_id: z.string().trim().min(1, "project_id is required"),
  environment: z.string().trim().min(1).default("dev"),
  path: z.string().trim().default("/").transform((p) => (p.startsWith("/") ? p : `/${p}`)),
  base_url: z.url({ protocol: /^https?$/, error: "base_url must be an http(s) URL" }).optional(),
});

/** Parses a notebook's `[secret_manager]` table; unknown and credential-like keys are dropped. */
export function parseSecretManagerConfig(raw: unknown): ParsedSecretManagerConfig {
  const warnings: string[] = [];
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return { config: null, warnings, error: "[secret_manager] must be a table" };
  }
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (KNOWN_KEYS.has(key)) {
      // An empty base_url in TOML means "not set", not an invalid URL.
      if (key === "base_url" && value === "") continue;
      kept[key] = value;
    } else if (looksLikeCredential(key)) {
      warnings.push(
        `[secret_manager].${key} was ignored: credentials belong in the server's environment ` +
          "(INFISICAL_CLIENT_ID + INFISICAL_CLIENT_SECRET or INFISICAL_TOKEN), never in notebook.toml",
      );
    } else {
      warnings.push(
        `[secret_manager].${key} was ignored: known keys are ${[...KNOWN_KEYS].join(", ")}`,
      );
    }
  }
  const parsed = configSchema.safeParse(kept);
  if (!parsed.success) {
    const detail = parsed.error.issues
      .map((i) => `${i.path.join(".") || "table"}: ${i.message}`)
      .join("; ");
    return { config: null, warnings, error: `Invalid [secret_manager]: ${detail}` };
  }
  const { base_url, ...rest } = parsed.data;
  const config: SecretManagerConfig = base_url === undefined ? rest : { ...rest, base_url };
  return { config, warnings };
}

function looksLikeCredential(key: string): boolean {
  return isSensitiveKey(key) || CREDENTIAL_LIKE.test(key.toUpperCase());
}

/** Providers by name; lookups of an unknown name are error values naming the known ones. */
export interface SecretProviderRegistry {
  /** The provider for `name` (case-insensitive), or an error saying which names exist. */
  get(name: string): { provider: SecretProvider; error?: undefined } | {
    provider: null;
    error: string;
  };
  /** Registered provider names, sorted. */
  names(): string[];
  /** Fetches through the configured provider; unknown providers and throws become error values. */
  fetch(config: SecretManagerConfig, ctx: SecretFetchContext): Promise<SecretFetchResult>;
}

/** Builds a registry from provider instances; duplicate names are a programming error. */
export function createSecretProviderRegistry(
  providers: readonly SecretProvider[],
): SecretProviderRegistry {
  const byName = new Map<string, SecretProvider>();
  for (const p of providers) {
    const name = p.name.toLowerCase();
    if (byName.has(name)) throw new Error(`Duplicate secret manager provider '${name}'`);
    byName.set(name, p);
  }
  const names = [...byName.keys()].sort();

  function get(name: string) {
    const provider = byName.get(name.trim().toLowerCase());
    if (provider) return { provider };
    return {
      provider: null,
      error: `Unknown secret manager provider '${name}'. Known: ${names.join(", ") || "(none)"}`,
    };
  }

  async function fetchSecrets(
    config: SecretManagerConfig,
    ctx: SecretFetchContext,
  ): Promise<SecretFetchResult> {
    const found = get(config.provider);
    if (!found.provider) {
      return { secrets: {}, source: config.provider, fetchedAt: new Date(), error: found.error };
    }
    try {
      return await found.provider.fetch(config, ctx);
    } catch (err) {
      // Providers promise not to throw; if one does, its message is not known to be scrubbed.
      const kind = err instanceof Error ? err.name : typeof err;
      return {
        secrets: {},
        source: found.provider.name,
        fetchedAt: new Date(),
        error: `Secret manager provider '${found.provider.name}' failed unexpectedly (${kind})`,
      };
    }
  }

  return { get, names: () => [...names], fetch: fetchSecrets };
}
