/** Cells and runs of an open session: edit, reorder, execute, run-all, cancel, env, artifacts. */
import { Hono } from "hono";
import type { Context } from "hono";
import { z } from "zod";
import { ValidationError } from "../../lib/errors.ts";
import type { AppEnv } from "../../lib/http/context.ts";
import { lookupArtifacts } from "../../lib/artifacts/artifact_index.ts";
import type { RunMode } from "../../lib/runtime/run_engine.ts";
import type { ApiDeps } from "./deps.ts";
import { authorize, parseBody } from "./_helpers.ts";

const AddBody = z.object({
  source: z.string().max(1_000_000),
  language: z.enum(["typescript", "markdown", "prompt"]).optional(),
  after: z.string().nullable().optional(),
});
const EditBody = z.object({ source: z.string().max(1_000_000) });
const OrderBody = z.object({ order: z.array(z.string()).max(10_000) });
const EnvBody = z.object({
  values: z.record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "env keys are letters, digits and _"),
    z.string().nullable(),
  ),
});
const MODES = new Set(["normal", "rerun", "force"]);

/** Routes under /v1/notebooks/:sid for cells, runs and the runtime environment. */
export function cellRoutes(deps: ApiDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const session = (
    c: Context<AppEnv>,
    scope: "notebook:read" | "notebook:write" | "notebook:execute",
  ) => {
    const s = deps.sessions.get(c.var.tenant, c.req.param("sid")!);
    authorize(deps, c, scope, `notebooks/${s.scope.path}`);
    return s;
  };

  app.post("/:sid/cells", async (c) => {
    const s = session(c, "notebook:write");
    const body = await parseBody(c, AddBody);
    const cellId = await s.addCell(body);
    await deps.audit?.(c, {
      action: "cell.add",
      resource: `notebooks/${s.scope.path}`,
      details: { cellId },
    });
    return c.json({ cellId, state: s.state() }, 201);
  });

  app.put("/:sid/cells/reorder", async (c) => {
    const s = session(c, "notebook:write");
    const body = await parseBody(c, OrderBody);
    await s.reorder(body.order);
    return c.json(s.state());
  });

  app.put("/:sid/cells/:cid", async (c) => {
    const s = session(c, "notebook:write");
    const body = await parseBody(c, EditBody);
    await s.editCell(c.req.param("cid"), body.source);
    await deps.audit?.(c, {
      action: "cell.edit",
      resource: `notebooks/${s.scope.path}`,
      details: { cellId: c.req.param("cid") },
    });
    return c.json(s.state());
  });

  app.delete("/:sid/cells/:cid", async (c) => {
    const s = session(c, "notebook:write");
    await s.deleteCell(c.req.param("cid"));
    await deps.audit?.(c, {
      action: "cell.delete",
      resource: `notebooks/${s.scope.path}`,
      details: { cellId: c.req.param("cid") },
    });
    return c.json(s.state());
  });

  app.post("/:sid/cells/:cid/execute", async (c) => {
    const s = session(c, "notebook:execute");
    const mode = runMode(c.req.query("mode"));
    const cellId = c.req.param("cid");
    const run = await withSlot(
      deps,
      c,
      "interactive",
      () => s.execute(cellId, mode, c.var.identity.principal),
    );
    return c.json({ run, state: s.state() });
  });

  app.post("/:sid/run-all", async (c) => {
    const s = session(c, "notebook:execute");
    const mode = runMode(c.req.query("mode"));
    const run = await withSlot(deps, c, "bulk", () => s.runAll(mode, c.var.identity.principal));
    return c.json({ run, state: s.state() });
  });

  app.post("/:sid/cancel", (c) => {
    const s = session(c, "notebook:execute");
    return c.json({ cancelled: s.cancel() });
  });

  app.get("/:sid/dag", (c) => c.json(session(c, "notebook:read").dagView()));

  app.get("/:sid/artifacts", async (c) => {
    const s = session(c, "notebook:read");
    const out = [];
    for (const [cellId, prov] of s.model.provenance) {
      const found = await lookupArtifacts(deps.db, s.scope.tenantHash, prov.provenance);
      if (!found.hit) continue;
      for (const a of found.artifacts) {
        out.push({
          cellId,
          variable: a.variable,
          codec: a.codec,
          size: a.size,
          contentHash: a.contentHash,
          provenance: prov.provenance,
          createdAt: a.createdAt,
        });
      }
    }
    return c.json({ artifacts: out });
  });

  app.put("/:sid/env", async (c) => {
    const s = session(c, "notebook:write");
    const body = await parseBody(c, EnvBody);
    await s.updateEnv(body.values);
    await deps.audit?.(c, {
      action: "env.update",
      resource: `notebooks/${s.scope.path}`,
      details: { keys: Object.keys(body.values).sort() },
    });
    return c.json(s.state());
  });

  return app;
}

function runMode(raw: string | undefined): RunMode {
  const mode = raw ?? "normal";
  if (!MODES.has(mode)) {
    throw new ValidationError(`Invalid mode '${mode}': use normal, rerun or force`);
  }
  return mode as RunMode;
}

async function withSlot<T>(
  deps: ApiDeps,
  c: Context<AppEnv>,
  kind: "interactive" | "bulk",
  fn: () => Promise<T>,
): Promise<T> {
  if (!deps.qos) return await fn();
  const release = await deps.qos.acquire(c.var.tenant.hash, kind, c.req.raw.signal);
  try {
    return await fn();
  } finally {
    release();
  }
}
