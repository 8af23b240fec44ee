/** Shared route helpers: body parsing with clear errors, and the scope + ACL check. */
import type { Context } from "hono";
import type { z } from "zod";
import { decide } from "../../lib/acl/acl.ts";
import { assertScope } from "../../lib/auth/identity.ts";
import type { Scope } from "../../lib/auth/scopes.ts";
import { ForbiddenError, NotFoundError, ValidationError } from "../../lib/errors.ts";
import type { AppEnv } from "../../lib/http/context.ts";
import type { ApiDeps } from "./deps.ts";

/** Parses a JSON body against a schema; a malformed or invalid body is a 400 naming the field. */
export async function parseBody<T extends z.ZodType>(
  c: Context<AppEnv>,
  schema: T,
): Promise<z.output<T>> {
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw new ValidationError("Request body must be JSON");
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length ? issue.path.join(".") : "body";
    throw new ValidationError(`Invalid ${where}: ${issue.message}`);
  }
  return parsed.data;
}

/**
 * Checks the caller's scope, then the ACL for the resource. A denied notebook or artifact answers
 * 404 (its existence is private); a denied admin resource answers 403.
 */
export function authorize(
  deps: ApiDeps,
  c: Context<AppEnv>,
  scope: Scope,
  resource?: string,
): void {
  assertScope(c.var.identity, scope);
  if (!deps.acl || !resource) return;
  const decision = decide(deps.acl, {
    principal: c.var.identity.principal,
    resource,
    scope,
    tenant: c.var.tenant.id,
  });
  if (decision.allow) return;
  c.var.log.info("acl denied", {
    principal: c.var.identity.principal,
    resource,
    scope,
    rule: decision.rule,
  });
  void deps.audit?.(c, { action: "acl.deny", resource, details: { scope, rule: decision.rule } });
  if (resource.startsWith("admin/")) throw new ForbiddenError(`Access to '${resource}' is denied`);
  throw new NotFoundError(`'${resource}' not found`);
}
