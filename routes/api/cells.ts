/** Cells and runs of an open session: edit, reorder, execute, run-all, cancel, env, artifacts. */
import { Hono } from "hono";
import type { Context } from "hono";
import type { AppEnv } from "../../lib/http/context.ts";
import { callerOf, jsonBody } from "../../lib/http/caller.ts";
import type { NotebookSession, RunSummary } from "../../lib/session/notebook_session.ts";
import type { ApiDeps } from "./deps.ts";

type Ran = { run: RunSummary; session: NotebookSession };

/** Routes under /v1/notebooks/:sid for cells, runs and the runtime environment. */
export function cellRoutes(deps: ApiDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { dispatch } = deps.dispatcher;
  const ids = (c: Context<AppEnv>) => ({ sid: c.req.param("sid"), cellId: c.req.param("cid") });
  const mode = (c: Context<AppEnv>) => c.req.query("mode");

  app.post("/:sid/cells", async (c) => {
    const out = await dispatch<{ cellId: string; session: NotebookSession }>(
      "cell.add",
      { ...await jsonBody(c), sid: c.req.param("sid") },
      callerOf(c),
    );
    return c.json({ cellId: out.cellId, state: out.session.state() }, 201);
  });

  app.put("/:sid/cells/reorder", async (c) => {
    const s = await dispatch<NotebookSession>(
      "cell.reorder",
      { ...await jsonBody(c), sid: c.req.param("sid") },
      callerOf(c),
    );
    return c.json(s.state());
  });

  app.put("/:sid/cells/:cid", async (c) => {
    const s = await dispatch<NotebookSession>(
      "cell.edit",
      { ...await jsonBody(c), ...ids(c) },
      callerOf(c),
    );
    return c.json(s.state());
  });

  app.delete("/:sid/cells/:cid", async (c) => {
    const s = await dispatch<NotebookSession>("cell.delete", ids(c), callerOf(c));
    return c.json(s.state());
  });

  app.post("/:sid/cells/:cid/execute", async (c) => {
    const out = await dispatch<Ran>("cell.execute", { ...ids(c), mode: mode(c) }, callerOf(c));
    return c.json({ run: out.run, state: out.session.state() });
  });

  app.post("/:sid/run-all", async (c) => {
    const out = await dispatch<Ran>(
      "notebook.run_all",
      { sid: c.req.param("sid"), mode: mode(c) },
      callerOf(c),
    );
    return c.json({ run: out.run, state: out.session.state() });
  });

  app.post("/:sid/cancel", async (c) => {
    const cancelled = await dispatch<boolean>(
      "notebook.cancel",
      { sid: c.req.param("sid") },
      callerOf(c),
    );
    return c.json({ cancelled });
  });

  app.get("/:sid/dag", async (c) => {
    return c.json(await dispatch("notebook.dag", { sid: c.req.param("sid") }, callerOf(c)));
  });

  app.get("/:sid/artifacts", async (c) => {
    const artifacts = await dispatch(
      "notebook.artifacts",
      { sid: c.req.param("sid") },
      callerOf(c),
    );
    return c.json({ artifacts });
  });

  app.put("/:sid/env", async (c) => {
    const s = await dispatch<NotebookSession>(
      "env.update",
      { ...await jsonBody(c), sid: c.req.param("sid") },
      callerOf(c),
    );
    return c.json(s.state());
  });

  return app;
}
