/** Notebook lifecycle: create, open, discover, state, delete. Decode, dispatch, shape. */
import { Hono } from "hono";
import type { AppEnv } from "../../lib/http/context.ts";
import { callerOf, jsonBody } from "../../lib/http/caller.ts";
import type { NotebookSession } from "../../lib/session/notebook_session.ts";
import type { DiscoveredNotebook } from "../../lib/session/discover.ts";
import type { ApiDeps } from "./deps.ts";

/** Routes under /v1/notebooks for whole notebooks. */
export function notebookRoutes(deps: ApiDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { dispatch } = deps.dispatcher;

  app.post("/create", async (c) => {
    const s = await dispatch<NotebookSession>("notebook.create", await jsonBody(c), callerOf(c));
    return c.json(s.state(), 201);
  });

  app.post("/open", async (c) => {
    const s = await dispatch<NotebookSession>("notebook.open", await jsonBody(c), callerOf(c));
    return c.json(s.state());
  });

  app.get("/discover", async (c) => {
    const notebooks = await dispatch<DiscoveredNotebook[]>("notebook.discover", {}, callerOf(c));
    return c.json({ notebooks });
  });

  app.post("/delete-by-path", async (c) => {
    const deleted = await dispatch<string>(
      "notebook.delete_by_path",
      await jsonBody(c),
      callerOf(c),
    );
    return c.json({ deleted });
  });

  app.get("/:sid", async (c) => {
    const sid = c.req.param("sid");
    const s = await dispatch<NotebookSession>("notebook.state", { sid }, callerOf(c));
    return c.json(s.state());
  });

  app.delete("/:sid", async (c) => {
    const sid = c.req.param("sid");
    const deleted = await dispatch<string>("notebook.delete", { sid }, callerOf(c));
    return c.json({ deleted });
  });

  return app;
}
