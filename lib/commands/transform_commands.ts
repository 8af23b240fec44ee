/**
 * Server-side transforms: `transform.materialize` runs a transform registered in `[transforms]`
 * through the one run path; `stream.read` finds the stored artifact of an earlier run. Both touch
 * `artifacts/<notebook>/<cell>`; an unknown transform, a missing notebook or cell and an ACL
 * denial all answer 404 with the same message.
 */
import { z } from "zod";
import { secretValues } from "../secrets/env_merge.ts";
import { cellResultRedactor } from "../secrets/redact.ts";
import { artifactResource } from "../acl/acl.ts";
import type { ArtifactRecord } from "../artifacts/artifact_index.ts";
import { NotFoundError, StrataError } from "../errors.ts";
import { parseAnnotations } from "../notebook/annotations.ts";
import { type Notebook, readNotebook } from "../notebook/format.ts";
import { displayPath, resolveNotebookPath } from "../session/paths.ts";
import {
  materialize,
  type MaterializedArtifact,
  streamArtifact,
} from "../transforms/materialize.ts";
import {
  paramValuesSchema,
  parseStreamId,
  resolveParams,
  type Transform,
} from "../transforms/transforms.ts";
import { type CommandContext, defineCommand, type Resolved } from "./command.ts";

/** A transform run that failed in one of its cells (422). */
export class TransformFailedError extends StrataError {
  constructor(message: string) {
    super("transform_failed", message);
  }
}

interface TransformTarget {
  transform: Transform;
  abs: string;
  path: string;
  notebook: Notebook;
  cellId: string;
  resource: string;
}

/** `transform.materialize {transform, params?}`: the transform's artifact (cached or computed). */
export const transformMaterialize = defineCommand({
  name: "transform.materialize",
  description: "Run a registered transform with parameters and return its artifact",
  scope: "notebook:execute",
  input: z.object({ transform: z.string().min(1).max(64), params: paramValuesSchema.optional() }),
  qos: "bulk",
  audit: "transform.materialize",
  deniedMessage: (input) => `Transform '${input.transform}' not found`,
  resolve: (input, ctx) => locate(input.transform, ctx),
  async run(t: TransformTarget, input, ctx) {
    const params = resolveParams(t.transform, input.params);
    const session = await ctx.deps.sessions.open(ctx.caller.tenant, t.abs, t.path);
    const merged = session.scope.secrets?.merged(); // issue 13 item 6: secrets by source
    const env = merged?.env ?? { ...(session.notebook.manifest.env ?? {}) };
    const outcome = await materialize(ctx.deps.runtime, {
      transform: t.transform,
      tenant: ctx.caller.tenant,
      root: t.abs,
      path: t.path,
      notebook: session.notebook,
      env,
      secretKeys: merged?.secretKeys,
      redact: cellResultRedactor(secretValues(merged)),
      params,
      principal: ctx.caller.identity.principal,
      signal: ctx.caller.signal,
    });
    if (!outcome.ok) {
      // Audited here: the dispatcher audits successes only.
      await ctx.deps.audit?.record({
        tenantHash: ctx.caller.tenant.hash,
        actor: ctx.caller.identity.principal,
        action: "transform.materialize",
        resource: t.resource,
        details: { transform: t.transform.name, params: Object.keys(params).sort(), ok: false },
      });
      throw new TransformFailedError(
        `Transform '${t.transform.name}' failed in cell '${outcome.cellId}': ${outcome.error.message}`,
      );
    }
    return {
      transform: t.transform.name,
      cellId: outcome.cellId,
      cacheHit: outcome.cacheHit,
      artifact: outcome.artifact,
      streamUrl: `/v1/streams/${outcome.artifact.id}`,
      params: Object.keys(params).sort(),
    };
  },
  auditWith: (_t, _input, out) => ({
    details: { transform: out.transform, params: out.params, ok: true },
    provenanceHash: out.artifact.provenance,
    outputHash: out.artifact.contentHash,
  }),
});

/** `stream.read {id}`: the artifact record of a stream id (the surface streams its blob). */
export const streamRead = defineCommand({
  name: "stream.read",
  answer: "stream",
  description: "Find the stored artifact of a materialized transform by stream id",
  scope: "notebook:read",
  input: z.object({ id: z.string().min(1).max(256) }),
  qos: null,
  audit: null,
  deniedMessage: (input) => `Stream '${input.id}' not found`,
  resolve(input, ctx) {
    const parsed = parseStreamId(input.id);
    if (!parsed) throw new NotFoundError(`Stream '${input.id}' not found`);
    return locate(parsed.transform, ctx, input.id);
  },
  async run(
    t: TransformTarget,
    input,
    ctx,
  ): Promise<{ record: ArtifactRecord; view: MaterializedArtifact }> {
    const parsed = parseStreamId(input.id)!;
    const hit = await streamArtifact(ctx.deps.db, {
      tenantHash: ctx.caller.tenant.hash,
      provenance: parsed.provenance,
      transform: t.transform,
      notebookId: t.notebook.manifest.notebook_id,
      cellId: t.cellId,
    });
    if (!hit) throw new NotFoundError(`Stream '${input.id}' not found`);
    return hit;
  },
});

/** Finds a transform's notebook and cell; anything missing is the same 404 as a denial. */
async function locate(
  name: string,
  ctx: CommandContext,
  shownAs?: string,
): Promise<Resolved<TransformTarget>> {
  const missing = () =>
    new NotFoundError(shownAs ? `Stream '${shownAs}' not found` : `Transform '${name}' not found`);
  const transform = ctx.deps.transforms.get(name);
  if (!transform) throw missing();
  let root: string;
  try {
    root = await ctx.deps.notebookRoot(ctx.caller.tenant);
  } catch {
    throw missing();
  }
  const abs = await resolveNotebookPath(root, transform.notebook);
  const path = displayPath(root, abs);
  let notebook: Notebook;
  try {
    notebook = await readNotebook(abs);
  } catch {
    throw missing();
  }
  const cell = notebook.cells.find((x) => x.id === transform.cell) ??
    notebook.cells.find((x) =>
      x.language === "typescript" && parseAnnotations(x.source).annotations.name === transform.cell
    );
  if (!cell) throw missing();
  const resource = artifactResource(path, cell.id);
  return { resource, target: { transform, abs, path, notebook, cellId: cell.id, resource } };
}
