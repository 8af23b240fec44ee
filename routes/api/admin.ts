/** Admin endpoints: cache clear (admin:cache) and the tenant list (admin:tenants). */
import { Hono } from "hono";
import type { AppEnv } from "../../lib/http/context.ts";
import { callerOf } from "../../lib/http/caller.ts";
import type { ApiDeps } from "./deps.ts";

/** Routes under /v1 for operators. */
export function adminRoutes(deps: ApiDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { dispatch } = deps.dispatcher;
  app.post("/cache/clear", async (c) => c.json(await dispatch("cache.clear", {}, callerOf(c))));
  app.get("/admin/tenants", async (c) => {
    return c.json({ tenants: await dispatch("admin.tenants", {}, callerOf(c)) });
  });
  return app;
}
