/** Admin endpoints: cache clear (admin:cache) and the tenant list (admin:tenants). */
import { Hono } from "hono";
import type { AppEnv } from "../../lib/http/context.ts";
import type { ApiDeps } from "./deps.ts";
import { authorize } from "./_helpers.ts";

/** Routes under /v1 for operators. */
export function adminRoutes(deps: ApiDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post("/cache/clear", async (c) => {
    authorize(deps, c, "admin:cache", "admin/cache");
    // Only the caller's tenant: index rows go now, blobs are reclaimed by the artifact GC job.
    const rows = await deps.db.query<{ n: number }>(
      "DELETE FROM artifacts WHERE tenant_hash = $1 RETURNING 1 AS n",
      [c.var.tenant.hash],
    );
    await deps.audit?.(c, {
      action: "cache.clear",
      resource: "admin/cache",
      details: { artifacts: rows.length },
    });
    return c.json({ cleared: rows.length, tenant: c.var.tenant.id });
  });

  app.get("/admin/tenants", (c) => {
    authorize(deps, c, "admin:tenants", "admin/tenants");
    return c.json({ tenants: deps.tenants?.list() ?? [] });
  });

  return app;
}
