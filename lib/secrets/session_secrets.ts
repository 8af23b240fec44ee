/**
 * Per-session secret state: the notebook's `[secret_manager]` config, the last fetched values,
 * the Runtime panel's manual overrides and the last fetch error. Memory only; nothing here is
 * written to disk, logged with values, or returned to a client except through `view()`/`status()`.
 *
 * A failed refresh keeps the previously fetched values (cells keep working with the last known
 * secrets) and exposes the error; a load with a different config drops them first, since values
 * from another project or environment must not linger under the new one.
 */

import type { Credentials } from "../config/credentials.ts";
import { ValidationError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { type MergedEnv, mergeEnv, type PublicEnvRow, publicEnvView } from "./env_merge.ts";
import type { SecretAccessDecision } from "./policy.ts";
import type { SecretManagerConfig, SecretProviderRegistry } from "./provider.ts";
import { scrub } from "./_scrub.ts";

/** Options for createSessionSecrets. */
export interface SessionSecretsOptions {
  /** Providers by name. */
  registry: SecretProviderRegistry;
  /** The server's credentials, read once by the config loader. */
  credentials: Credentials;
  /** Receives fetch outcomes; never a value. */
  log: Logger;
  /** The notebook's `[env]` as loaded. @default {} */
  notebookEnv?: Record<string, string>;
  /**
   * Whether this session's tenant may read what a config names (the operator's
   * `secret_manager_policy` in service mode). A refused config is never fetched. @default allow
   */
  authorize?: (config: SecretManagerConfig) => SecretAccessDecision;
  /** Told about every refusal found at load or refresh (for the audit log); errors are logged. */
  onDeny?: (config: SecretManagerConfig, reason: string) => void | Promise<void>;
}

/** What a client may see about the secret manager: no values. */
export interface SecretManagerStatus {
  configured: boolean;
  config: SecretManagerConfig | null;
  /** Number of values held from the last successful fetch. */
  fetchedKeys: number;
  /** ISO time of the last successful fetch. */
  fetchedAt?: string;
  /** ISO time of the last fetch attempt, successful or not. */
  attemptedAt?: string;
  /** The last attempt's error, scrubbed; absent after a success. */
  lastError?: string;
}

/** The session's secret state; see createSessionSecrets. */
export interface SessionSecrets {
  /** Whether this session may read what `config` names; callers refuse before saving it. */
  check(config: SecretManagerConfig): SecretAccessDecision;
  /** Sets (or with null, removes) the config and fetches at once. */
  load(config: SecretManagerConfig | null): Promise<SecretManagerStatus>;
  /** Re-fetches with the current config; on failure the previous values stay. */
  refresh(): Promise<SecretManagerStatus>;
  /** Replaces the notebook `[env]` layer (after an env edit or reload). */
  setNotebookEnv(env: Record<string, string>): void;
  /** Sets a session-only Runtime panel value, which beats the manager's; throws ValidationError on a bad name. */
  setManual(key: string, value: string): void;
  /** Removes a manual value, so the key falls back to the manager or notebook; false if absent. */
  removeManual(key: string): boolean;
  /** The env a cell run sees, with sources. Contains secrets: executor only. */
  merged(): MergedEnv;
  /** Key names, sources and non-secret values for clients. */
  view(): PublicEnvRow[];
  /** Config, fetch time and error for clients. */
  status(): SecretManagerStatus;
  /** The current config, or null when the notebook has no `[secret_manager]`. */
  readonly config: SecretManagerConfig | null;
  /** The last fetch error, scrubbed; undefined after a successful fetch. */
  readonly lastError: string | undefined;
  /** When the values held were fetched; undefined before the first success. */
  readonly fetchedAt: Date | undefined;
}

/** Creates the in-memory secret state for one notebook session. */
export function createSessionSecrets(options: SessionSecretsOptions): SessionSecrets {
  const { registry, credentials, log } = options;
  let notebookEnv: Record<string, string> = { ...options.notebookEnv };
  let config: SecretManagerConfig | null = null;
  let fetched: Record<string, string> = {};
  let fetchedAt: Date | undefined;
  let attemptedAt: Date | undefined;
  let lastError: string | undefined;
  const manual: Record<string, string> = {};
  // Only the newest fetch may apply its result; an older one finishing late is ignored.
  let generation = 0;

  async function runFetch(): Promise<SecretManagerStatus> {
    const current = config;
    const gen = ++generation;
    if (!current) {
      attemptedAt = new Date();
      lastError = "No secret manager is configured for this notebook ([secret_manager] is missing)";
      return status();
    }
    const decision = check(current);
    if (!decision.allow) {
      // A refused project yields nothing, not even values fetched before the policy changed.
      fetched = {};
      fetchedAt = undefined;
      attemptedAt = new Date();
      lastError = decision.reason;
      log.warn("secret manager config refused by policy", {
        provider: current.provider,
        project_id: current.project_id,
        environment: current.environment,
      });
      try {
        await options.onDeny?.(current, decision.reason);
      } catch (err) {
        log.error("cannot record a secret manager refusal", { error: (err as Error).message });
      }
      return status();
    }
    const result = await registry.fetch(current, { credentials });
    if (gen !== generation) return status();
    attemptedAt = result.fetchedAt;
    const fields = { provider: current.provider, project_id: current.project_id };
    if (result.error === undefined) {
      fetched = { ...result.secrets };
      fetchedAt = result.fetchedAt;
      lastError = undefined;
      log.info("secret manager fetch succeeded", { ...fields, keys: Object.keys(fetched).length });
    } else {
      // Belt and braces: providers scrub their own messages, this also removes any known value.
      lastError = scrub(result.error, [...Object.values(fetched), ...Object.values(manual)]);
      log.warn("secret manager fetch failed", { ...fields, error: lastError });
    }
    return status();
  }

  function check(candidate: SecretManagerConfig): SecretAccessDecision {
    return options.authorize?.(candidate) ?? { allow: true, rule: null };
  }

  function load(next: SecretManagerConfig | null): Promise<SecretManagerStatus> {
    if (!sameConfig(config, next)) {
      fetched = {};
      fetchedAt = undefined;
    }
    config = next ? { ...next } : null;
    if (!config) {
      generation++;
      lastError = undefined;
      attemptedAt = undefined;
      return Promise.resolve(status());
    }
    return runFetch();
  }

  function merged(): MergedEnv {
    return mergeEnv({ notebookEnv, manual, fetched, fetchedSource: config?.provider });
  }

  function status(): SecretManagerStatus {
    const s: SecretManagerStatus = {
      configured: config !== null,
      config: config ? { ...config } : null,
      fetchedKeys: Object.keys(fetched).length,
    };
    if (fetchedAt) s.fetchedAt = fetchedAt.toISOString();
    if (attemptedAt) s.attemptedAt = attemptedAt.toISOString();
    if (lastError !== undefined) s.lastError = lastError;
    return s;
  }

  return {
    check,
    load,
    refresh: runFetch,
    setNotebookEnv(next) {
      notebookEnv = { ...next };
    },
    setManual(key, value) {
      // Env names reach Deno.Command: "=" or NUL in a name cannot be passed to a child process.
      if (key === "" || /[=\0]/.test(key) || value.includes("\0")) {
        throw new ValidationError(
          `Cannot set env key '${key}': names must be non-empty without '=' or NUL; values without NUL`,
        );
      }
      manual[key] = value;
    },
    removeManual(key) {
      if (!Object.hasOwn(manual, key)) return false;
      delete manual[key];
      return true;
    },
    merged,
    view: () => publicEnvView(merged()),
    status,
    get config() {
      return config ? { ...config } : null;
    },
    get lastError() {
      return lastError;
    },
    get fetchedAt() {
      return fetchedAt;
    },
  };
}

function sameConfig(a: SecretManagerConfig | null, b: SecretManagerConfig | null): boolean {
  if (!a || !b) return a === b;
  return a.provider === b.provider && a.project_id === b.project_id &&
    a.environment === b.environment && a.path === b.path && a.base_url === b.base_url;
}
