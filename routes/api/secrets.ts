/** Secret manager of a session: save its config (then fetch at once) and refresh. */
import { Hono } from "hono";
import type { AppEnv } from "../../lib/http/context.ts";
import { callerOf, jsonBody } from "../../lib/http/caller.ts";
import type { ApiDeps } from "./deps.ts";

/** Routes under /v1/notebooks/:sid/secret-manager. */
export function secretRoutes(deps: ApiDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { dispatch } = deps.dispatcher;

  app.put("/:sid/secret-manager/config", async (c) => {
    const out = await dispatch(
      "secret_manager.config",
      { ...await jsonBody(c), sid: c.req.param("sid") },
      callerOf(c),
    );
    return c.json({ warnings: out.warnings, state: out.state });
  });

  app.post("/:sid/secret-manager/refresh", async (c) => {
    return c.json(
      await dispatch("secret_manager.refresh", { sid: c.req.param("sid") }, callerOf(c)),
    );
  });

  return app;
}
