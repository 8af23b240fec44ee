/** Cells and runs of an open session: edit, reorder, execute, run-all, cancel, env, artifacts. */
import { Hono } from "hono";
import type { Context } from "hono";
import type { AppEnv } from "../../lib/http/context.ts";
import { callerOf, jsonBody } from "../../lib/http/caller.ts";
import type { ApiDeps } from "./deps.ts";

/** Routes under /v1/notebooks/:sid for cells, runs and the runtime environment. */
export function cellRoutes(deps: ApiDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { dispatch } = deps.dispatcher;
  const sid = (c: Context<AppEnv>) => ({ sid: c.req.param("sid") });
  const cell = (c: Context<AppEnv>) => ({ sid: c.req.param("sid"), cellId: c.req.param("cid") });
  const body = async (c: Context<AppEnv>, ids: Record<string, string | undefined>) => ({
    ...await jsonBody(c),
    ...ids,
  });

  app.post("/:sid/cells", async (c) => {
    return c.json(await dispatch("cell.add", await body(c, sid(c)), callerOf(c)), 201);
  });
  app.post("/:sid/cells/generate", async (c) => { // issue 18
    return c.json(await dispatch("ai.generate_cell", await body(c, sid(c)), callerOf(c)), 201);
  });
  app.put("/:sid/cells/reorder", async (c) => {
    return c.json(await dispatch("cell.reorder", await body(c, sid(c)), callerOf(c)));
  });
  app.put("/:sid/cells/:cid", async (c) => {
    return c.json(await dispatch("cell.edit", await body(c, cell(c)), callerOf(c)));
  });
  app.delete("/:sid/cells/:cid", async (c) => {
    return c.json(await dispatch("cell.delete", cell(c), callerOf(c)));
  });
  app.post("/:sid/cells/:cid/execute", async (c) => {
    const input = { ...cell(c), mode: c.req.query("mode") };
    return c.json(await dispatch("cell.execute", input, callerOf(c)));
  });
  app.post("/:sid/run-all", async (c) => {
    const input = { ...sid(c), mode: c.req.query("mode") };
    return c.json(await dispatch("notebook.run_all", input, callerOf(c)));
  });
  app.post("/:sid/cancel", async (c) => {
    return c.json({ cancelled: await dispatch("notebook.cancel", sid(c), callerOf(c)) });
  });
  app.get("/:sid/dag", async (c) => c.json(await dispatch("notebook.dag", sid(c), callerOf(c))));
  app.get("/:sid/plan", async (c) => { // issue 18: what a run would execute
    const input = { ...sid(c), cellId: c.req.query("cellId"), mode: c.req.query("mode") };
    return c.json(await dispatch("notebook.plan", input, callerOf(c)));
  });
  app.get("/:sid/artifacts", async (c) => {
    return c.json({ artifacts: await dispatch("notebook.artifacts", sid(c), callerOf(c)) });
  });
  app.put("/:sid/env", async (c) => {
    return c.json(await dispatch("env.update", await body(c, sid(c)), callerOf(c)));
  });
  return app;
}
