/** Mounts the JSON API, the WebSocket route and the admin endpoints. */
import type { Hono } from "hono";
import type { AppEnv } from "../../lib/http/context.ts";
import { wsRoutes } from "../ws.ts";
import { adminRoutes } from "./admin.ts";
import { cellRoutes } from "./cells.ts";
import type { ApiDeps } from "./deps.ts";
import { notebookRoutes } from "./notebooks.ts";
import { auditRoutes } from "./audit.ts";
import { materializeRoutes } from "./materialize.ts";
import { secretRoutes } from "./secrets.ts";

/** Adds every /v1 route to `app`. */
export function mountApi(app: Hono<AppEnv>, deps: ApiDeps): void {
  app.route("/v1/notebooks/ws", wsRoutes(deps));
  app.route("/v1/notebooks", notebookRoutes(deps));
  app.route("/v1/notebooks", cellRoutes(deps));
  app.route("/v1/notebooks", secretRoutes(deps));
  app.route("/v1/audit", auditRoutes(deps));
  if (deps.materializer) {
    app.route(
      "/v1",
      materializeRoutes({
        ...deps,
        transforms: deps.transforms ?? new Map(),
        materializer: deps.materializer,
      }),
    );
  }
  app.route("/v1", adminRoutes(deps));
}
