/** Audit endpoints (admin:audit): verify the whole chain, list events with filters. */
import { Hono } from "hono";
import type { AppEnv } from "../../lib/http/context.ts";
import { callerOf } from "../../lib/http/caller.ts";
import type { ApiDeps } from "./deps.ts";

/** Routes under /v1/audit. */
export function auditRoutes(deps: ApiDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { dispatch } = deps.dispatcher;

  app.get("/verify", async (c) => {
    const result = await dispatch(
      "audit.verify",
      { scope: c.req.query("scope") },
      callerOf(c),
    );
    return c.json(result, result.ok ? 200 : 409);
  });

  app.get("/events", async (c) => {
    const events = await dispatch("audit.events", c.req.query(), callerOf(c));
    return c.json({ events });
  });

  return app;
}
