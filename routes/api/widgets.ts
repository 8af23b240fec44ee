/** `PUT /v1/notebooks/{sid}/widgets/{cellId}/{name}` `{value}`: sets a widget (command `widget.set`). */
import { Hono } from "hono";
import { callerOf, jsonBody } from "../../lib/http/caller.ts";
import type { AppEnv } from "../../lib/http/context.ts";
import type { ApiDeps } from "./deps.ts";

/** Routes under /v1/notebooks/:sid/widgets. */
export function widgetRoutes(deps: ApiDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.put("/:sid/widgets/:cid/:name", async (c) => {
    const body = await jsonBody(c);
    const input = {
      sid: c.req.param("sid"),
      cellId: c.req.param("cid"),
      name: c.req.param("name"),
      value: body.value,
    };
    return c.json(await deps.dispatcher.dispatch("widget.set", input, callerOf(c)));
  });
  return app;
}
