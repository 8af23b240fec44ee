/** Resolving helpers shared by the command modules: sessions and notebook folders as ACL resources. */
import { z } from "zod";
import { ForbiddenError, NotFoundError } from "../errors.ts";
import type { NotebookSession } from "../session/notebook_session.ts";
import { displayPath, resolveNotebookPath } from "../session/paths.ts";
import type { CommandContext, Resolved } from "./command.ts";

/** A session id as every surface sends it. */
export const sid = z.string().min(1).max(128);
/** A cell id. */
export const cellId = z.string().min(1).max(128);
/** A notebook path relative to the tenant's notebook root. */
export const notebookPath = z.string().min(1).max(1024);

/** The ACL resource of a notebook shown at `path` (relative to the tenant's root). */
export function notebookResourceOf(path: string): string {
  return `notebooks/${path}`;
}

/** The caller's open session `sid`, as the resource its notebook is. */
export function sessionTarget(id: string, ctx: CommandContext): Resolved<NotebookSession> {
  const session = ctx.deps.sessions.get(ctx.caller.tenant, id);
  return { resource: notebookResourceOf(session.scope.path), target: session };
}

/** A notebook folder named by the caller, confined to the tenant's root. */
export interface FolderTarget {
  root: string;
  abs: string;
  /** The path shown to clients and used in resources. */
  shown: string;
  /** What the caller typed, for messages. */
  given: string;
}

/** Resolves a caller's notebook path inside the tenant's root (`create`: make the root). */
export async function folderTarget(
  path: string,
  ctx: CommandContext,
  options: { create?: boolean } = {},
): Promise<Resolved<FolderTarget>> {
  const root = await ctx.deps.notebookRoot(ctx.caller.tenant, options);
  const abs = await resolveNotebookPath(root, path);
  const shown = displayPath(root, abs);
  return { resource: notebookResourceOf(shown), target: { root, abs, shown, given: path } };
}

/** Throws NotFoundError unless `abs` holds a notebook.toml. */
export async function assertNotebookFolder(abs: string, message: string): Promise<void> {
  try {
    await Deno.stat(`${abs}/notebook.toml`);
  } catch {
    throw new NotFoundError(message);
  }
}

/** Refuses an operation that exists in personal mode only. */
export function personalOnly(ctx: CommandContext, what: string): void {
  if (ctx.deps.config.deploymentMode !== "personal") {
    throw new ForbiddenError(`${what} is available in personal mode only`);
  }
}
