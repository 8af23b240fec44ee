/** Operator commands: cache clear, tenant list, audit verify and audit events. */
import { z } from "zod";
import { listAuditEvents } from "../audit/list.ts";
import { verifyAudit } from "../audit/verify.ts";
import { defineCommand } from "./command.ts";

/** `cache.clear {}`: forgets the caller's tenant's artifact index (blobs go with the GC job). */
export const cacheClear = defineCommand({
  name: "cache.clear",
  description: "Clear the caller's tenant's artifact cache",
  scope: "admin:cache",
  input: z.object({}),
  qos: null,
  audit: "cache.clear",
  denyAs: "forbidden",
  resolve: () => ({ resource: "admin/cache", target: null }),
  async run(_t, _input, ctx) {
    const rows = await ctx.deps.db.query<{ n: number }>(
      "DELETE FROM artifacts WHERE tenant_hash = $1 RETURNING 1 AS n",
      [ctx.caller.tenant.hash],
    );
    return { cleared: rows.length, tenant: ctx.caller.tenant.id };
  },
  auditWith: (_t, _input, out) => ({ details: { artifacts: out.cleared } }),
});

/** `admin.tenants {}`: tenants seen by this server. */
export const adminTenants = defineCommand({
  name: "admin.tenants",
  description: "List the tenants this server has seen",
  scope: "admin:tenants",
  input: z.object({}),
  qos: null,
  audit: null,
  denyAs: "forbidden",
  resolve: () => ({ resource: "admin/tenants", target: null }),
  run: (_t, _input, ctx) => ctx.deps.tenants?.list() ?? [],
});

/** `audit.verify {scope?}`: walks the hash chain (all tenants with scope "all" in service mode). */
export const auditVerify = defineCommand({
  name: "audit.verify",
  description: "Verify the audit hash chain",
  scope: "admin:audit",
  input: z.object({ scope: z.string().optional() }),
  qos: null,
  audit: null,
  denyAs: "forbidden",
  resolve: () => ({ resource: "admin/audit", target: null }),
  async run(_t, input, ctx) {
    const all = input.scope === "all" && ctx.deps.config.deploymentMode === "service";
    return await verifyAudit(ctx.deps.db, ctx.deps.auditKeyring, {
      tenantHash: all ? undefined : ctx.caller.tenant.hash,
    });
  },
});

const whole = (_name: string) =>
  z.string().regex(/^\d+$/, "expected a whole number").transform(Number)
    .optional();

/** `audit.events {actor?, action?, since?, until?, after_seq?, limit?}`: the tenant's events. */
export const auditEvents = defineCommand({
  name: "audit.events",
  description: "List the tenant's audit events with filters",
  scope: "admin:audit",
  input: z.object({
    actor: z.string().optional(),
    action: z.string().optional(),
    since: whole("since"),
    until: whole("until"),
    after_seq: whole("after_seq"),
    limit: whole("limit"),
  }),
  qos: null,
  audit: null,
  denyAs: "forbidden",
  resolve: () => ({ resource: "admin/audit", target: null }),
  async run(_t, q, ctx) {
    return await listAuditEvents(ctx.deps.db, {
      tenantHash: ctx.caller.tenant.hash,
      actor: q.actor,
      action: q.action,
      since: q.since,
      until: q.until,
      afterSeq: q.after_seq,
      limit: Math.min(q.limit ?? 100, 1000),
    });
  },
});
