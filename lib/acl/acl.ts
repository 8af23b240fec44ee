/** `[acl_config]`: its schema, resource names, and the pure deny-first decision. */
import { z } from "zod";
import { ValidationError } from "../errors.ts";
import { ALL_SCOPES, isScope, SCOPE_WILDCARDS, scopeMatches } from "../auth/scopes.ts";
import { globMatch } from "./glob.ts";

// Built on first use (`z.lazy`): the schemas validate `[acl_config]` only when it is set.
const globSchema = () =>
  z.string().min(1, "must not be empty").max(512).refine(
    (s) => !hasControlChar(s),
    "must not contain control characters",
  );

const scopeSchema = () =>
  z.string().refine(
    (s) => s === ALL_SCOPES || isScope(s) || (SCOPE_WILDCARDS as readonly string[]).includes(s),
    { message: "must be a known scope, 'notebook:*', 'admin:*' or '*'" },
  );

/** One `[[deny]]` or `[[allow]]` entry; every field given must match, omitted ones match all. */
export const aclRuleSchema = z.lazy(() => {
  const glob = globSchema();
  return z.strictObject({
    /** Glob over the principal, e.g. "*@example.com". */
    principal: glob.optional(),
    /** Glob over the resource, e.g. "notebooks/finance/**". */
    resource: glob.optional(),
    /** A scope or scope wildcard, e.g. "notebook:execute" or "admin:*". */
    scope: scopeSchema().optional(),
    /** Glob over the tenant id, e.g. "team-*". */
    tenant: glob.optional(),
  }).refine(
    (r) => Object.values(r).some((v) => v !== undefined),
    "a rule must name at least one of principal, resource, scope, tenant",
  );
});

/** The `[acl_config]` table. */
export const aclConfigSchema = z.lazy(() =>
  z.strictObject({
    /** What happens when no rule matches. @default "deny" */
    default: z.enum(["allow", "deny"]).optional(),
    /** Checked first; a match denies and nothing can override it. */
    deny: z.array(aclRuleSchema).optional(),
    /** Checked when no deny rule matched; a match allows. */
    allow: z.array(aclRuleSchema).optional(),
  })
);

/** One ACL rule as parsed. */
export type AclRule = z.output<typeof aclRuleSchema>;
/** The parsed `[acl_config]`. */
export type AclConfig = z.output<typeof aclConfigSchema>;

/** What is being attempted, by whom, for which tenant. */
export interface AccessRequest {
  /** The caller; null when anonymous (see {@link decide} for how that matches). */
  principal: string | null;
  /** A resource name built with {@link notebookResource}, {@link artifactResource}, {@link adminResource}. */
  resource: string;
  /** The concrete scope the action needs, e.g. "notebook:execute". */
  scope: string;
  /** The tenant id ("default" when tenancy is off). */
  tenant: string;
}

/** The outcome and the rule that decided it: "deny[0]", "allow[2]" or "default". */
export interface AccessDecision {
  allow: boolean;
  rule: string;
}

/** Parses an `[acl_config]` table; throws ValidationError listing every problem. */
export function parseAcl(input: unknown): AclConfig {
  const parsed = aclConfigSchema.safeParse(input);
  if (!parsed.success) {
    throw new ValidationError(`Invalid [acl_config]: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

/**
 * Decides a request: deny rules first (any match denies, allow rules cannot override), then
 * allow rules, then `default` ("deny" when unset).
 *
 * An anonymous caller (principal null) is matched so it can never gain by being anonymous: a
 * deny rule's principal pattern always matches it, and an allow rule matches it only when the
 * rule names no principal at all.
 */
export function decide(acl: AclConfig, request: AccessRequest): AccessDecision {
  const deny = acl.deny ?? [];
  for (let i = 0; i < deny.length; i++) {
    if (ruleMatches(deny[i], request, "deny")) return { allow: false, rule: `deny[${i}]` };
  }
  const allow = acl.allow ?? [];
  for (let i = 0; i < allow.length; i++) {
    if (ruleMatches(allow[i], request, "allow")) return { allow: true, rule: `allow[${i}]` };
  }
  return { allow: acl.default === "allow", rule: "default" };
}

function ruleMatches(rule: AclRule, req: AccessRequest, kind: "deny" | "allow"): boolean {
  if (rule.principal !== undefined) {
    if (req.principal === null ? kind === "allow" : !globMatch(rule.principal, req.principal)) {
      return false;
    }
  }
  if (rule.resource !== undefined && !globMatch(rule.resource, req.resource)) return false;
  if (rule.scope !== undefined && !scopeMatches(rule.scope, req.scope)) return false;
  if (rule.tenant !== undefined && !globMatch(rule.tenant, req.tenant)) return false;
  return true;
}

/** Resource name of a notebook: `notebooks/<path>` (path relative to the notebook root). */
export function notebookResource(path: string): string {
  return `notebooks/${cleanPath("notebook path", path)}`;
}

/** Resource name of a cell's artifacts: `artifacts/<notebook path>/<cell id>`. */
export function artifactResource(notebookPath: string, cellId: string): string {
  return `artifacts/${cleanPath("notebook path", notebookPath)}/${cleanSegment("cell id", cellId)}`;
}

/** Resource name of an admin surface: `admin/<what>`, e.g. "admin/cache", "admin/tenants". */
export function adminResource(what: string): string {
  return `admin/${cleanSegment("admin resource", what)}`;
}

// Rules match names textually, so a name must have exactly one spelling: a path with "..",
// "." or empty segments could dodge a deny rule written for its normal form.
function cleanPath(what: string, path: string): string {
  const trimmed = path.replace(/^\/+|\/+$/g, "");
  if (trimmed === "") throw new ValidationError(`Invalid ${what} ${JSON.stringify(path)}: empty`);
  for (const segment of trimmed.split("/")) {
    if (
      segment === "" || segment === "." || segment === ".." || hasControlChar(segment) ||
      segment.includes("\\")
    ) {
      throw new ValidationError(
        `Invalid ${what} ${JSON.stringify(path)}: segments must be non-empty, not '.' or '..', ` +
          "and contain no control characters or backslashes",
      );
    }
  }
  return trimmed;
}

function cleanSegment(what: string, value: string): string {
  if (value === "" || value.includes("/") || value === "." || value === "..") {
    throw new ValidationError(`Invalid ${what} ${JSON.stringify(value)}: must be one path segment`);
  }
  return cleanPath(what, value);
}

function hasControlChar(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
