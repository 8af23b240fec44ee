/**
 * The request-side half of the secret manager policy (issue 13 item 5): before a config is saved
 * or refreshed on a caller's behalf, ask the session's policy, and on a refusal write
 * `secret_manager.deny` with the caller as actor and answer 403. (Refusals found without a caller,
 * at open, are audited by the session's own hook; see session_factory.ts.)
 */
import type { AuditRecorder } from "../audit/recorder.ts";
import { ForbiddenError } from "../errors.ts";
import type { SecretManagerConfig } from "./provider.ts";
import type { SessionSecrets } from "./session_secrets.ts";
import { denyDetails } from "./session_factory.ts";

/** Who asks, for the audit row. */
export interface PolicyGuardCaller {
  tenantHash: string;
  actor: string | null;
  /** The notebook's audit resource, `notebooks/<path>`. */
  resource: string;
}

/** Audits and throws ForbiddenError (403, naming project and setting) when `config` is refused. */
export async function refuseDeniedConfig(
  secrets: SessionSecrets | undefined,
  config: SecretManagerConfig,
  caller: PolicyGuardCaller & { audit?: AuditRecorder; trigger: "config" | "refresh" },
): Promise<void> {
  const decision = secrets?.check(config);
  if (!decision || decision.allow) return;
  await caller.audit?.record({
    tenantHash: caller.tenantHash,
    actor: caller.actor,
    action: "secret_manager.deny",
    resource: caller.resource,
    details: { ...denyDetails(config, decision.reason), trigger: caller.trigger },
  });
  throw new ForbiddenError(decision.reason);
}
