/**
 * Type-aware editing of an open session's cells (issue 15): completion, hover and
 * go-to-definition, decoded into the `cell.complete` / `cell.hover` / `cell.definition` commands.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import type { AppEnv } from "../../lib/http/context.ts";
import { callerOf, jsonBody } from "../../lib/http/caller.ts";
import type { ApiDeps } from "./deps.ts";

/** Routes under /v1/notebooks/:sid/cells/:cid for completion, hover and definition. */
export function langServiceRoutes(deps: ApiDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { dispatch } = deps.dispatcher;
  const input = async (c: Context<AppEnv>) => ({
    ...await jsonBody(c),
    sid: c.req.param("sid"),
    cellId: c.req.param("cid"),
  });
  app.post("/:sid/cells/:cid/complete", async (c) => {
    return c.json(await dispatch("cell.complete", await input(c), callerOf(c)));
  });
  app.post("/:sid/cells/:cid/hover", async (c) => {
    return c.json(await dispatch("cell.hover", await input(c), callerOf(c)));
  });
  app.post("/:sid/cells/:cid/definition", async (c) => {
    return c.json(await dispatch("cell.definition", await input(c), callerOf(c)));
  });
  return app;
}
