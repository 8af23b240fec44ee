/** Notebook lifecycle: create, open, discover, state, delete. Decode, dispatch, shape. */
import { Hono } from "hono";
import type { AppEnv } from "../../lib/http/context.ts";
import { callerOf, jsonBody } from "../../lib/http/caller.ts";
import type { ApiDeps } from "./deps.ts";

/** Routes under /v1/notebooks for whole notebooks. */
export function notebookRoutes(deps: ApiDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { dispatch } = deps.dispatcher;
  const sid = (c: { req: { param(name: "sid"): string } }) => ({ sid: c.req.param("sid") });

  app.post("/create", async (c) => {
    return c.json(await dispatch("notebook.create", await jsonBody(c), callerOf(c)), 201);
  });
  app.post("/open", async (c) => {
    return c.json(await dispatch("notebook.open", await jsonBody(c), callerOf(c)));
  });
  app.get("/discover", async (c) => {
    return c.json({ notebooks: await dispatch("notebook.discover", {}, callerOf(c)) });
  });
  app.post("/delete-by-path", async (c) => {
    const deleted = await dispatch("notebook.delete_by_path", await jsonBody(c), callerOf(c));
    return c.json({ deleted });
  });
  app.get("/:sid", async (c) => c.json(await dispatch("notebook.state", sid(c), callerOf(c))));
  app.post("/:sid/approve-grants", async (c) => {
    // Issue 13. An empty body approves every grant the cells wait for.
    const body = (await c.req.raw.clone().text()).trim() === "" ? {} : await jsonBody(c);
    return c.json(await dispatch("notebook.approve_grants", { ...body, ...sid(c) }, callerOf(c)));
  });
  app.delete("/:sid", async (c) => {
    return c.json({ deleted: await dispatch("notebook.delete", sid(c), callerOf(c)) });
  });
  return app;
}
