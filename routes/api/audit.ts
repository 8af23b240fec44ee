/** Audit endpoints (admin:audit): verify the whole chain, list events with filters. */
import { Hono } from "hono";
import { verifyAudit } from "../../lib/audit/verify.ts";
import { listAuditEvents } from "../../lib/audit/list.ts";
import { ValidationError } from "../../lib/errors.ts";
import type { AppEnv } from "../../lib/http/context.ts";
import type { ApiDeps } from "./deps.ts";
import { authorize } from "./_helpers.ts";

/** Routes under /v1/audit. */
export function auditRoutes(deps: ApiDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/verify", async (c) => {
    authorize(deps, c, "admin:audit", "admin/audit");
    const all = c.req.query("scope") === "all" && deps.config.deploymentMode === "service";
    const result = await verifyAudit(deps.db, deps.auditKeyring ?? new Map(), {
      tenantHash: all ? undefined : c.var.tenant.hash,
    });
    return c.json(result, result.ok ? 200 : 409);
  });

  app.get("/events", async (c) => {
    authorize(deps, c, "admin:audit", "admin/audit");
    const q = c.req.query();
    const num = (v: string | undefined, name: string) => {
      if (v === undefined) return undefined;
      if (!/^\d+$/.test(v)) {
        throw new ValidationError(`Invalid ${name} '${v}': expected a whole number`);
      }
      return Number(v);
    };
    const events = await listAuditEvents(deps.db, {
      tenantHash: c.var.tenant.hash,
      actor: q.actor,
      action: q.action,
      since: num(q.since, "since"),
      until: num(q.until, "until"),
      afterSeq: num(q.after_seq, "after_seq"),
      limit: Math.min(num(q.limit, "limit") ?? 100, 1000),
    });
    return c.json({ events });
  });

  return app;
}
