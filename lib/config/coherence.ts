/**
 * Mode coherence: incoherent combinations fail at start, all listed at once, each with a fix.
 * Rules from the Strata deployment-modes and service-mode documents (DESIGN §7).
 */
import { DEVELOPMENT_AUDIT_KEY_SECRET } from "../audit/audit_key.ts";
import type { AiConfig, Config } from "./resolve.ts";

/** The outcome of a coherence check: fatal conflicts and start-up warnings. */
export interface Coherence {
  conflicts: string[];
  warnings: string[];
}

/** True for loopback listen addresses (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Checks a resolved configuration; an empty `conflicts` means the server may start. */
export function checkCoherence(c: Config): Coherence {
  const conflicts: string[] = [];
  const warnings: string[] = [];
  if (c.deploymentMode === "personal") {
    if (c.authMode === "trusted_proxy") {
      conflicts.push(
        "deployment_mode=personal with auth_mode=trusted_proxy: personal mode has no upstream proxy, " +
          "so identity headers would come from the loopback client. Fix: remove STRATA_AUTH_MODE or set " +
          "STRATA_DEPLOYMENT_MODE=service.",
      );
    }
    if (c.multiTenantEnabled) {
      conflicts.push(
        "deployment_mode=personal with multi_tenant_enabled=true: personal mode is single-user, there are " +
          "no tenants to isolate. Fix: remove STRATA_MULTI_TENANT_ENABLED or set STRATA_DEPLOYMENT_MODE=service.",
      );
    }
    if (c.requireTenantHeader) {
      conflicts.push(
        "deployment_mode=personal with require_tenant_header=true: personal mode has no tenant dimension. " +
          "Fix: remove STRATA_REQUIRE_TENANT_HEADER or set STRATA_DEPLOYMENT_MODE=service.",
      );
    }
    if (!isLoopbackHost(c.host)) {
      if (!c.allowRemoteClientsInPersonal) {
        conflicts.push(
          `host=${c.host} in personal mode: personal mode binds loopback only because it has no ` +
            "authentication. Fix: use STRATA_HOST=127.0.0.1, or set " +
            "STRATA_ALLOW_REMOTE_CLIENTS_IN_PERSONAL=true if a firewall, VPN or authenticating proxy protects it.",
        );
      } else {
        warnings.push(
          `Personal mode is listening on ${c.host}: write endpoints are exposed WITHOUT authentication. ` +
            "Only do this behind a firewall, VPN or authenticating proxy.",
        );
      }
    }
  } else {
    if (c.personalModeUserHeader) {
      conflicts.push(
        "deployment_mode=service with personal_mode_user_header: service mode identifies callers through " +
          "X-Strata-Principal (trusted proxy); the personal-mode header is for proxy-fronted personal " +
          "deployments only. Fix: remove STRATA_PERSONAL_MODE_USER_HEADER.",
      );
    }
    if (c.authMode !== "trusted_proxy") {
      conflicts.push(
        "deployment_mode=service requires auth_mode=trusted_proxy: Strata does no authentication of its own " +
          "and trusts an upstream proxy. Fix: set STRATA_AUTH_MODE=trusted_proxy.",
      );
    }
    if (!c.proxyToken) {
      conflicts.push(
        "deployment_mode=service requires a proxy token: the proxy proves itself with a shared secret. " +
          "Fix: set STRATA_PROXY_TOKEN to a random string of at least 16 characters, and make the proxy send it " +
          `in ${c.proxyTokenHeader}.`,
      );
    }
    if (c.artifactBlobBackend === "local" && !c.artifactDir) {
      conflicts.push(
        "deployment_mode=service requires a persistent artifact target: Fix: set STRATA_ARTIFACT_DIR to a " +
          "persistent folder, or STRATA_ARTIFACT_BLOB_BACKEND=s3 with STRATA_S3_BUCKET.",
      );
    }
    if (!c.auditHmacKey) {
      conflicts.push(
        "deployment_mode=service requires audit_hmac_key: the audit log's hash chain needs a secret key. " +
          "Fix: set STRATA_AUDIT_HMAC_KEY to at least 32 random bytes (e.g. `openssl rand -hex 32`).",
      );
    }
    if (
      [...(c.auditHmacKey ? [c.auditHmacKey] : []), ...c.auditRetiredKeys]
        .some((entry) => entry.includes(DEVELOPMENT_AUDIT_KEY_SECRET) || /^dev:/.test(entry))
    ) {
      conflicts.push(
        "deployment_mode=service with the public development audit key in audit_hmac_key or " +
          "audit_retired_keys: anyone can sign rows with it, so service mode never verifies them. " +
          "Fix: remove it (rows it signed stay unverifiable in service mode).",
      );
    }
    if (!c.secretManagerPolicy) {
      warnings.push(
        "deployment_mode=service without secret_manager_policy: every notebook's [secret_manager] " +
          "is refused. Set [secret_manager_policy.<tenant>] projects = [...] to allow some.",
      );
    }
  }
  if (c.requireTenantHeader && !c.multiTenantEnabled && c.deploymentMode === "service") {
    conflicts.push(
      "require_tenant_header=true without multi_tenant_enabled=true: tenant headers would be required but " +
        "ignored. Fix: set STRATA_MULTI_TENANT_ENABLED=true or drop STRATA_REQUIRE_TENANT_HEADER.",
    );
  }
  if (c.executorMode === "remote" && (!c.executorWorker?.url || !c.executorWorker.token)) {
    conflicts.push(
      "executor=remote requires executor_worker_url and executor_worker_token. Fix: set STRATA_EXECUTOR_WORKER_URL " +
        "and STRATA_EXECUTOR_WORKER_TOKEN (the worker's STRATA_WORKER_TOKEN).",
    );
  }
  if (c.cluster && c.executorMode === "remote") { // issue 21
    conflicts.push(
      "[cluster] nats_url with executor=remote: cells would go to NATS workers and the remote worker at once. " +
        "Fix: drop STRATA_EXECUTOR (NATS workers replace the one remote worker) or drop [cluster].",
    );
  }
  if (c.artifactBlobBackend === "azure" && !c.azure.container) {
    conflicts.push(
      "artifact_blob_backend=azure requires azure_container. Fix: set STRATA_AZURE_CONTAINER.",
    );
  }
  if (c.artifactBlobBackend === "gcs" && !c.gcs.bucket) {
    conflicts.push("artifact_blob_backend=gcs requires gcs_bucket. Fix: set STRATA_GCS_BUCKET.");
  }
  if (c.artifactBlobBackend === "gcs" && !c.gcs.endpoint && !c.credentials.gcp.keyFile) {
    conflicts.push(
      "artifact_blob_backend=gcs needs credentials. Fix: set GOOGLE_APPLICATION_CREDENTIALS to a " +
        "service-account JSON key file, or STRATA_GCS_ENDPOINT for an emulator.",
    );
  }
  if (c.artifactBlobBackend === "s3" && !c.s3.bucket) {
    conflicts.push("artifact_blob_backend=s3 requires s3_bucket. Fix: set STRATA_S3_BUCKET.");
  }
  // Personal mode without audit_hmac_key signs with the development key: expected, so no warning
  // (service mode requires a key, above).
  conflicts.push(...aiConfigProblems(c.ai, c.sources)); // issue 18: AI settings
  return { conflicts, warnings };
}

/**
 * Why an AI configuration cannot be used, each with its fix (issue 18). Here rather than in
 * lib/ai/service.ts so the launcher, which checks coherence, does not load the AI client.
 */
export function aiConfigProblems(
  ai: AiConfig | undefined,
  sources: Readonly<Record<string, string | undefined>>,
): string[] {
  if (!ai) {
    const set = ["ai_model", "ai_api_keys", "ai_timeout_seconds", "ai_max_tokens"]
      .filter((k) => sources[k] !== undefined);
    return set.length
      ? [`${set.join(", ")} set without ai_base_url: AI stays off. Fix: set STRATA_AI_BASE_URL.`]
      : [];
  }
  return ai.model
    ? []
    : ["ai_base_url set without ai_model. Fix: set STRATA_AI_MODEL (e.g. gpt-4o-mini, llama3.1)."];
}
