/**
 * Builds each session's secret state with its tenant's secret manager policy and the audit hook:
 * the one place the server's credentials, the operator's policy and a tenant meet.
 */
import type { Credentials } from "../config/credentials.ts";
import type { AuditRecorder } from "../audit/recorder.ts";
import type { Logger } from "../log.ts";
import { decideSecretAccess, type SecretManagerPolicy } from "./policy.ts";
import type { SecretProviderRegistry } from "./provider.ts";
import { createSessionSecrets, type SessionSecrets } from "./session_secrets.ts";

/** Which session the secrets belong to. */
export interface SecretsScope {
  tenantId: string;
  tenantHash: string;
  /** Notebook path relative to the tenant's root (audit resource). */
  path: string;
}

/** Options for sessionSecretsFactory. */
export interface SessionSecretsFactoryOptions {
  mode: "personal" | "service";
  /** `[secret_manager_policy]` as the config loader parsed it. */
  policy?: SecretManagerPolicy;
  registry: SecretProviderRegistry;
  /** The server's credentials (from the config loader). */
  credentials: Credentials;
  log: Logger;
  /** Records `secret_manager.deny` when a notebook's config is refused at open or refresh. */
  audit?: AuditRecorder;
}

/** The factory the session registry calls for every newly opened notebook. */
export function sessionSecretsFactory(
  options: SessionSecretsFactoryOptions,
): (scope: SecretsScope) => SessionSecrets {
  const policy = options.policy;
  return function createScopedSecrets(scope) {
    return createSessionSecrets({
      registry: options.registry,
      credentials: options.credentials,
      log: options.log,
      authorize: (config) =>
        decideSecretAccess(policy, { mode: options.mode, tenantId: scope.tenantId, config }),
      onDeny: (config, reason) =>
        options.audit?.record({
          tenantHash: scope.tenantHash,
          actor: null,
          action: "secret_manager.deny",
          resource: `notebooks/${scope.path}`,
          details: denyDetails(config, reason),
        }),
    });
  };
}

/** Audit details of a refusal: what was asked for and why (names only, never a value). */
export function denyDetails(
  config: { provider: string; project_id: string; environment: string; path: string },
  reason: string,
): Record<string, string> {
  return {
    provider: config.provider,
    project_id: config.project_id,
    environment: config.environment,
    path: config.path,
    reason,
  };
}
