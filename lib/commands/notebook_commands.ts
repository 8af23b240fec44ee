/** Commands on whole notebooks: create, open, discover, state, DAG, artifacts, delete. */
import { z } from "zod";
import { lookupArtifacts } from "../artifacts/artifact_index.ts";
import { NotFoundError, ValidationError } from "../errors.ts";
import { createNotebook, readNotebook } from "../notebook/format.ts";
import { discoverNotebooks } from "../session/discover.ts";
import { assertNotebookPlace, assertNotRoot, notebookSlug } from "../session/paths.ts";
import type { NotebookSession } from "../session/notebook_session.ts";
import { defineCommand } from "./command.ts";
import type { CommandContext } from "./command.ts";
import {
  assertNotebookFolder,
  type FolderTarget,
  folderTarget,
  notebookPath,
  personalOnly,
  sessionTarget,
  sid,
} from "./_targets.ts";

/** `notebook.create {name, path?}`: a new notebook folder, opened. */
export const notebookCreate = defineCommand({
  name: "notebook.create",
  description: "Create a notebook folder (path defaults to a slug of the name) and open it",
  scope: "notebook:write",
  input: z.object({ name: z.string().trim().min(1).max(200), path: notebookPath.optional() }),
  qos: null,
  audit: "notebook.create",
  resolve: (input, ctx) =>
    folderTarget(input.path ?? notebookSlug(input.name), ctx, { create: true }),
  async run(t, input, ctx) {
    await assertNotebookPlace(t.root, t.abs); // issue 13: not ".", not inside or around another
    await createNotebook(t.abs, {
      name: input.name,
      owner: ctx.caller.identity.principal ?? undefined,
    });
    return (await ctx.deps.sessions.open(ctx.caller.tenant, t.abs, t.shown)).state();
  },
});

/** `notebook.open {path}`: opens (or joins) the session of an existing notebook. */
export const notebookOpen = defineCommand({
  name: "notebook.open",
  description: "Open a notebook by its path and return its session",
  scope: "notebook:read",
  input: z.object({ path: notebookPath }),
  qos: null,
  audit: "notebook.open",
  resolve: (input, ctx) => folderTarget(input.path, ctx),
  async run(t, _input, ctx) {
    // Issue 13: a notebook at a tenant's root could read every notebook of the tenant. Personal
    // mode may open one that already is the root (`strata serve ./demo`): there is nothing else.
    if (ctx.deps.config.deploymentMode !== "personal") {
      assertNotRoot(await Deno.realPath(t.root), t.abs);
    }
    await assertNotebookFolder(
      t.abs,
      `Cannot open '${t.given}': it is not a notebook folder (no notebook.toml)`,
    );
    return (await ctx.deps.sessions.open(ctx.caller.tenant, t.abs, t.shown)).state();
  },
});

/** `notebook.discover {}`: the notebooks under the tenant's root (personal mode). */
export const notebookDiscover = defineCommand({
  name: "notebook.discover",
  description: "List the notebooks under the notebook root (personal mode)",
  scope: "notebook:read",
  input: z.object({}),
  qos: null,
  audit: null,
  resolve(_input, ctx) {
    personalOnly(ctx, "Notebook discovery");
    return { target: null };
  },
  async run(_t, _input, ctx) {
    let root: string;
    try {
      root = await ctx.deps.notebookRoot(ctx.caller.tenant);
    } catch (err) {
      if (err instanceof NotFoundError) return [];
      throw err;
    }
    const all = await discoverNotebooks(root);
    if (!ctx.deps.config.personalModeUserHeader) return all;
    const me = ctx.caller.identity.principal;
    return all.filter((n) => n.owner === null || n.owner === me);
  },
});

/** `notebook.state {sid}`: the whole state of an open session. */
export const notebookState = defineCommand({
  name: "notebook.state",
  description: "The state of an open notebook: cells, statuses, outputs, DAG",
  scope: "notebook:read",
  input: z.object({ sid }),
  qos: null,
  audit: null,
  resolve: (input, ctx) => sessionTarget(input.sid, ctx),
  run: (s: NotebookSession) => s.state(),
});

/**
 * `notebook.watch {sid}`: the session's live events and the state a (re)connecting client
 * starts from. For streaming surfaces (the WebSocket, MCP progress); not a JSON answer.
 */
export const notebookWatch = defineCommand({
  name: "notebook.watch",
  answer: "stream",
  description: "Subscribe to an open notebook's live events",
  scope: "notebook:read",
  input: z.object({ sid }),
  qos: null,
  audit: null,
  resolve: (input, ctx) => sessionTarget(input.sid, ctx),
  run: (s: NotebookSession) => ({ events: s.events, state: () => s.state({ restored: true }) }),
});

/** `notebook.dag {sid}`: the dependency graph. */
export const notebookDag = defineCommand({
  name: "notebook.dag",
  description: "The notebook's dependency graph (order and edges)",
  scope: "notebook:read",
  input: z.object({ sid }),
  qos: null,
  audit: null,
  resolve: (input, ctx) => sessionTarget(input.sid, ctx),
  run: (s: NotebookSession) => s.dagView(),
});

/** `notebook.artifacts {sid}`: the stored artifacts of the current provenance of each cell. */
export const notebookArtifacts = defineCommand({
  name: "notebook.artifacts",
  description: "Stored artifacts of the notebook's current cells",
  scope: "notebook:read",
  input: z.object({ sid }),
  qos: null,
  audit: null,
  resolve: (input, ctx) => sessionTarget(input.sid, ctx),
  async run(s: NotebookSession, _input, ctx) {
    const out = [];
    for (const [cellId, prov] of s.model.provenance) {
      const found = await lookupArtifacts(ctx.deps.db, s.scope.tenantHash, prov.provenance);
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
    return out;
  },
});

/**
 * `notebook.approve_grants {sid, grants?}` (issue 13, personal mode): approves the `@allow`
 * grants the notebook's cells wait for (all, or the listed ones), kept in `.strata/approvals.json`.
 */
export const notebookApproveGrants = defineCommand({
  name: "notebook.approve_grants",
  description: "Approve the @allow grants a notebook's cells wait for (personal mode)",
  scope: "notebook:write",
  input: z.object({ sid, grants: z.array(z.string().min(1).max(2048)).max(1000).optional() }),
  qos: null,
  audit: "notebook.approve_grants",
  resolve: (input, ctx) => sessionTarget(input.sid, ctx),
  async run(s: NotebookSession, input, ctx) {
    const approved = await s.approveGrants(input.grants, ctx.caller.identity.principal);
    return { approved, state: s.state() };
  },
  auditWith: (_s, _input, out) => ({ details: { grants: out.approved } }),
});

/** `notebook.delete {sid}`: deletes an open notebook's folder (personal mode). */
export const notebookDelete = defineCommand({
  name: "notebook.delete",
  description: "Delete an open notebook's folder (personal mode)",
  scope: "notebook:write",
  input: z.object({ sid }),
  qos: null,
  audit: "notebook.delete",
  async resolve(input, ctx) {
    personalOnly(ctx, "Notebook deletion");
    const s = ctx.deps.sessions.get(ctx.caller.tenant, input.sid);
    return await folderTarget(s.root, ctx);
  },
  run: (t, _input, ctx) => deleteFolder(t, ctx),
});

/** `notebook.delete_by_path {path}`: deletes a notebook folder by path (personal mode). */
export const notebookDeleteByPath = defineCommand({
  name: "notebook.delete_by_path",
  description: "Delete a notebook folder by its path (personal mode)",
  scope: "notebook:write",
  input: z.object({ path: notebookPath }),
  qos: null,
  audit: "notebook.delete",
  resolve(input, ctx) {
    personalOnly(ctx, "Notebook deletion");
    return folderTarget(input.path, ctx);
  },
  run: (t, _input, ctx) => deleteFolder(t, ctx),
});

async function deleteFolder(t: FolderTarget, ctx: CommandContext): Promise<string> {
  if (t.abs === t.root) throw new ValidationError("Cannot delete the notebook root itself");
  await assertNotebookFolder(t.abs, `Cannot delete '${t.given}': it is not a notebook folder`);
  if (ctx.deps.config.personalModeUserHeader) {
    const owner = (await readNotebook(t.abs)).manifest.owner;
    if (owner !== undefined && owner !== ctx.caller.identity.principal) {
      // Not yours: answer as if it did not exist.
      throw new NotFoundError(`Cannot delete '${t.given}': no such notebook`);
    }
  }
  for (const s of ctx.deps.sessions.byRoot(t.abs)) ctx.deps.sessions.close(s.id);
  await Deno.remove(t.abs, { recursive: true });
  return t.shown;
}
