/**
 * Which secret manager projects and environments a tenant may read (issue 13 item 5).
 *
 * The server's secret manager credentials are server-wide, and a notebook's `[secret_manager]`
 * names the project: without a policy, a tenant could point its notebook at another tenant's
 * project and read its secrets. In service mode the operator therefore lists, per tenant id or
 * tenant glob, the projects (and environments) each tenant may read; anything else is refused.
 * Personal mode has one user, who owns the credentials: every project is allowed.
 *
 * ```toml
 * [secret_manager_policy.team-a]       # one tenant
 * projects = ["proj-a"]
 * environments = ["dev", "prod"]       # @default ["*"]: any environment
 *
 * [secret_manager_policy."*"]          # every tenant: its own project by naming convention
 * projects = ["{tenant}-secrets"]
 * ```
 * Rules add up: a request is allowed when any rule whose tenant pattern matches allows both the
 * project and the environment. In service mode with no rule matching, everything is refused.
 */
import type { SecretManagerConfig } from "./provider.ts";

/** One rule: tenants matching `tenant` may read `projects` in `environments`. */
export interface SecretManagerPolicyRule {
  /** Tenant id, or a pattern where `*` matches any run of characters. */
  tenant: string;
  /** Project ids; `{tenant}` stands for the tenant id, `*` alone for any project. */
  projects: readonly string[];
  /** Environment slugs; `*` alone for any. */
  environments: readonly string[];
}

/** The parsed policy: rules in the order given. */
export interface SecretManagerPolicy {
  rules: readonly SecretManagerPolicyRule[];
}

/** A decision: allowed (with the rule's tenant pattern) or refused with a message for the caller. */
export type SecretAccessDecision =
  | { allow: true; rule: string | null }
  | { allow: false; reason: string };

/** The question: may this tenant, in this mode, read what this config names? */
export interface SecretAccessRequest {
  mode: "personal" | "service";
  tenantId: string;
  config: Pick<SecretManagerConfig, "provider" | "project_id" | "environment">;
}

/** The configuration setting named in messages. */
export const POLICY_SETTING = "secret_manager_policy";

const TENANT_PATTERN = /^[A-Za-z0-9_*-]{1,64}$/;
const RULE_KEYS = new Set(["projects", "environments"]);

/** Validates a raw `[secret_manager_policy]` table; returns every problem, or the policy. */
export function parseSecretManagerPolicy(
  raw: unknown,
): { policy: SecretManagerPolicy; problems: [] } | { policy: null; problems: string[] } {
  const problems: string[] = [];
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return { policy: null, problems: [`${POLICY_SETTING} must be a table keyed by tenant id`] };
  }
  const rules: SecretManagerPolicyRule[] = [];
  for (const [tenant, body] of Object.entries(raw)) {
    const at = `${POLICY_SETTING}.${JSON.stringify(tenant)}`;
    if (!TENANT_PATTERN.test(tenant)) {
      problems.push(`${at}: a tenant id or pattern is 1-64 of [A-Za-z0-9_-] and '*'`);
      continue;
    }
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      problems.push(`${at} must be a table with projects = [...]`);
      continue;
    }
    const entry = body as Record<string, unknown>;
    for (const key of Object.keys(entry)) {
      if (!RULE_KEYS.has(key)) {
        problems.push(`${at}: unknown key '${key}' (known: projects, environments)`);
      }
    }
    const projects = stringList(entry.projects, `${at}.projects`, problems);
    const environments = entry.environments === undefined
      ? ["*"]
      : stringList(entry.environments, `${at}.environments`, problems);
    if (projects && environments) rules.push({ tenant, projects, environments });
  }
  if (problems.length) return { policy: null, problems };
  return { policy: { rules }, problems: [] };
}

/** Decides whether a tenant may read the project and environment a notebook names. Pure. */
export function decideSecretAccess(
  policy: SecretManagerPolicy | undefined,
  request: SecretAccessRequest,
): SecretAccessDecision {
  if (request.mode === "personal") return { allow: true, rule: null };
  const { tenantId, config } = request;
  const what = `Secret manager project '${config.project_id}' (environment ` +
    `'${config.environment}') is not allowed for tenant '${tenantId}'`;
  const matching = (policy?.rules ?? []).filter((r) => globMatch(r.tenant, tenantId));
  if (matching.length === 0) {
    return {
      allow: false,
      reason: `${what}: ${POLICY_SETTING} has no rule for this tenant, and in service mode a ` +
        `tenant reads only the projects listed for it. Ask the operator to add ` +
        `[${POLICY_SETTING}.${tenantId}] projects = ["${config.project_id}"].`,
    };
  }
  for (const rule of matching) {
    const projects = rule.projects.map((p) => p.replaceAll("{tenant}", tenantId));
    const projectOk = projects.includes("*") || projects.includes(config.project_id);
    const envOk = rule.environments.includes("*") ||
      rule.environments.includes(config.environment);
    if (projectOk && envOk) return { allow: true, rule: rule.tenant };
  }
  const allowed = matching.map((r) =>
    `${r.projects.map((p) => p.replaceAll("{tenant}", tenantId)).join(", ")} ` +
    `(environments: ${r.environments.join(", ")})`
  ).join("; ");
  return {
    allow: false,
    reason: `${what} by ${POLICY_SETTING}. This tenant may read: ${allowed}.`,
  };
}

/** True when `value` matches `pattern`, where `*` matches any run of characters. */
function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes("*")) return pattern === value;
  const re = new RegExp(`^${pattern.split("*").map(escapeRegExp).join(".*")}$`);
  return re.test(value);
}

function stringList(
  value: unknown,
  at: string,
  problems: string[],
): string[] | null {
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string" || v.trim() === "")) {
    problems.push(`${at} must be a list of non-empty strings`);
    return null;
  }
  if (value.length === 0) {
    problems.push(`${at} must list at least one entry`);
    return null;
  }
  return value.map((v: string) => v.trim());
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
