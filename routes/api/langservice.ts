/**
 * Type-aware editing of an open session's cells (issue 15): completions, hover text and
 * go-to-definition from the notebook's language service. Reading only (scope notebook:read and
 * the notebook's ACL); the editor sends its unsaved source, which is never stored.
 */
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../lib/http/context.ts";
import type { ApiDeps } from "./deps.ts";
import { authorize, parseBody } from "./_helpers.ts";

const PositionBody = z.object({
  source: z.string().max(1_000_000).optional(),
  offset: z.number().int().min(0),
});

/** Routes under /v1/notebooks/:sid/cells/:cid for completion, hover and definition. */
export function langServiceRoutes(deps: ApiDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const session = (sid: string, c: Parameters<typeof authorize>[1]) => {
    const s = deps.sessions.get(c.var.tenant, sid);
    authorize(deps, c, "notebook:read", `notebooks/${s.scope.path}`);
    return s;
  };

  app.post("/:sid/cells/:cid/complete", async (c) => {
    const s = session(c.req.param("sid"), c);
    const body = await parseBody(c, PositionBody);
    const { items, from } = await s.complete(c.req.param("cid"), body);
    return c.json({ items, from });
  });

  app.post("/:sid/cells/:cid/hover", async (c) => {
    const s = session(c.req.param("sid"), c);
    const body = await parseBody(c, PositionBody);
    return c.json(await s.hover(c.req.param("cid"), body));
  });

  app.post("/:sid/cells/:cid/definition", async (c) => {
    const s = session(c.req.param("sid"), c);
    const body = await parseBody(c, PositionBody);
    return c.json({ definition: await s.definition(c.req.param("cid"), body) });
  });

  return app;
}
