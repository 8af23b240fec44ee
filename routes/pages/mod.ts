/** Server-rendered pages (home, notebook editor) and island assets. */
import { Hono } from "hono";
import type { AppEnv } from "../../lib/http/context.ts";
import type { ApiDeps } from "../api/deps.ts";

/** Page routes, mounted at the root. */
export function pageRoutes(_deps: ApiDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/", (c) => c.redirect("/v1/notebooks/discover"));
  return app;
}
