/** Notebook lifecycle: create, open, discover, state, delete. Thin: parse, authorize, call lib. */
import { Hono } from "hono";
import { z } from "zod";
import { ForbiddenError, NotFoundError, ValidationError } from "../../lib/errors.ts";
import type { AppEnv } from "../../lib/http/context.ts";
import { createNotebook, readNotebook } from "../../lib/notebook/format.ts";
import { discoverNotebooks } from "../../lib/session/discover.ts";
import {
  assertNotebookPlace,
  assertNotRoot,
  displayPath,
  resolveNotebookPath,
} from "../../lib/session/paths.ts";
import type { ApiDeps } from "./deps.ts";
import { authorize, parseBody } from "./_helpers.ts";

const CreateBody = z.object({
  name: z.string().trim().min(1).max(200),
  path: z.string().min(1).max(1024).optional(),
});
const PathBody = z.object({ path: z.string().min(1).max(1024) });
const ApproveBody = z.object({ grants: z.array(z.string().min(1).max(2048)).max(1000).optional() });

/** Routes under /v1/notebooks for whole notebooks. */
export function notebookRoutes(deps: ApiDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post("/create", async (c) => {
    const body = await parseBody(c, CreateBody);
    const root = await deps.notebookRoot(c.var.tenant, { create: true });
    const rel = body.path ?? slug(body.name);
    const abs = await resolveNotebookPath(root, rel);
    authorize(deps, c, "notebook:write", `notebooks/${displayPath(root, abs)}`);
    await assertNotebookPlace(root, abs); // issue 13: not ".", not nested
    const owner = c.var.identity.principal ?? undefined;
    await createNotebook(abs, { name: body.name, owner });
    const session = await deps.sessions.open(c.var.tenant, abs, displayPath(root, abs));
    await deps.audit?.(c, {
      action: "notebook.create",
      resource: `notebooks/${session.scope.path}`,
    });
    return c.json(session.state(), 201);
  });

  app.post("/open", async (c) => {
    const body = await parseBody(c, PathBody);
    const root = await deps.notebookRoot(c.var.tenant);
    const abs = await resolveNotebookPath(root, body.path);
    authorize(deps, c, "notebook:read", `notebooks/${displayPath(root, abs)}`);
    assertNotRoot(await Deno.realPath(root), abs); // issue 13
    try {
      await Deno.stat(`${abs}/notebook.toml`);
    } catch {
      throw new NotFoundError(
        `Cannot open '${body.path}': it is not a notebook folder (no notebook.toml)`,
      );
    }
    const session = await deps.sessions.open(c.var.tenant, abs, displayPath(root, abs));
    await deps.audit?.(c, { action: "notebook.open", resource: `notebooks/${session.scope.path}` });
    return c.json(session.state());
  });

  app.get("/discover", async (c) => {
    personalOnly(deps, "Notebook discovery");
    authorize(deps, c, "notebook:read");
    let root: string;
    try {
      root = await deps.notebookRoot(c.var.tenant);
    } catch (err) {
      if (err instanceof NotFoundError) return c.json({ notebooks: [] });
      throw err;
    }
    let notebooks = await discoverNotebooks(root);
    const me = c.var.identity.principal;
    if (deps.config.personalModeUserHeader) {
      notebooks = notebooks.filter((n) => n.owner === null || n.owner === me);
    }
    return c.json({ notebooks });
  });

  app.post("/delete-by-path", async (c) => {
    personalOnly(deps, "Notebook deletion");
    const body = await parseBody(c, PathBody);
    const root = await deps.notebookRoot(c.var.tenant);
    const abs = await resolveNotebookPath(root, body.path);
    await deleteNotebook(deps, c, root, abs, body.path);
    return c.json({ deleted: displayPath(root, abs) });
  });

  app.get("/:sid", (c) => {
    const session = deps.sessions.get(c.var.tenant, c.req.param("sid"));
    authorize(deps, c, "notebook:read", `notebooks/${session.scope.path}`);
    return c.json(session.state());
  });

  // Issue 13 (personal mode): approve the grants this notebook's cells wait for. To move into
  // the command table.
  app.post("/:sid/approve-grants", async (c) => {
    const session = deps.sessions.get(c.var.tenant, c.req.param("sid"));
    authorize(deps, c, "notebook:write", `notebooks/${session.scope.path}`);
    const text = await c.req.text();
    let raw: unknown = {};
    if (text.trim() !== "") {
      try {
        raw = JSON.parse(text);
      } catch {
        raw = null; // not JSON: refused below
      }
    }
    const body = ApproveBody.safeParse(raw);
    if (!body.success) {
      throw new ValidationError('Invalid body: expected nothing or {"grants": ["net=host", ...]}');
    }
    const approved = await session.approveGrants(body.data.grants, c.var.identity.principal);
    await deps.audit?.(c, {
      action: "notebook.approve_grants",
      resource: `notebooks/${session.scope.path}`,
      details: { grants: approved },
    });
    return c.json({ approved, state: session.state() });
  });

  app.delete("/:sid", async (c) => {
    personalOnly(deps, "Notebook deletion");
    const session = deps.sessions.get(c.var.tenant, c.req.param("sid"));
    const root = await deps.notebookRoot(c.var.tenant);
    await deleteNotebook(deps, c, root, session.root, session.scope.path);
    return c.json({ deleted: session.scope.path });
  });

  return app;
}

async function deleteNotebook(
  deps: ApiDeps,
  c: import("hono").Context<AppEnv>,
  root: string,
  abs: string,
  shown: string,
): Promise<void> {
  authorize(deps, c, "notebook:write", `notebooks/${displayPath(root, abs)}`);
  if (abs === root) throw new ValidationError("Cannot delete the notebook root itself");
  try {
    await Deno.stat(`${abs}/notebook.toml`);
  } catch {
    throw new NotFoundError(`Cannot delete '${shown}': it is not a notebook folder`);
  }
  if (deps.config.personalModeUserHeader) {
    const owner = (await readNotebook(abs)).manifest.owner;
    if (owner !== undefined && owner !== c.var.identity.principal) {
      // Not yours: answer as if it did not exist.
      throw new NotFoundError(`Cannot delete '${shown}': no such notebook`);
    }
  }
  for (const s of deps.sessions.byRoot(abs)) deps.sessions.close(s.id);
  await Deno.remove(abs, { recursive: true });
  await deps.audit?.(c, {
    action: "notebook.delete",
    resource: `notebooks/${displayPath(root, abs)}`,
  });
}

function personalOnly(deps: ApiDeps, what: string): void {
  if (deps.config.deploymentMode !== "personal") {
    throw new ForbiddenError(`${what} is available in personal mode only`);
  }
}

function slug(name: string): string {
  const s = name.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "")
    .slice(0, 60);
  return s || "notebook";
}
