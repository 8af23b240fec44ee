/**
 * Server-side transforms: `POST /v1/materialize` runs a transform registered in `[transforms]`
 * and returns its artifact; `GET /v1/streams/{id}` streams the artifact's bytes. Both are gated
 * by scope and by the ACL on `artifacts/<notebook>/<cell>`; whatever is not allowed is not found.
 */
import { Hono } from "hono";
import { secretValues } from "../../lib/secrets/env_merge.ts";
import { cellResultRedactor } from "../../lib/secrets/redact.ts";
import type { Context } from "hono";
import { z } from "zod";
import { artifactResource } from "../../lib/acl/acl.ts";
import { getBlobStream } from "../../lib/artifacts/streaming_blob_store.ts";
import { assertScope } from "../../lib/auth/identity.ts";
import { NotFoundError } from "../../lib/errors.ts";
import type { AppEnv } from "../../lib/http/context.ts";
import { errorResponse } from "../../lib/http/errors.ts";
import { parseAnnotations } from "../../lib/notebook/annotations.ts";
import { type Notebook, readNotebook } from "../../lib/notebook/format.ts";
import { displayPath, resolveNotebookPath } from "../../lib/session/paths.ts";
import {
  materialize,
  type MaterializeDeps,
  streamArtifact,
} from "../../lib/transforms/materialize.ts";
import {
  paramValuesSchema,
  parseStreamId,
  resolveParams,
  type Transform,
  type Transforms,
} from "../../lib/transforms/transforms.ts";
import type { ApiDeps } from "./deps.ts";
import { authorize, parseBody } from "./_helpers.ts";

/** What the transform routes need besides the API's usual dependencies. */
export interface MaterializeRouteDeps extends ApiDeps {
  /** Parsed `[transforms]` (parseTransforms); empty: every materialize answers 404. */
  transforms: Transforms;
  /** Executor and storage for transform runs. */
  materializer: MaterializeDeps;
}

const MaterializeBody = z.object({
  transform: z.string().min(1).max(64),
  params: paramValuesSchema.optional(),
});

/** Routes under /v1: materialize and streams. */
export function materializeRoutes(deps: MaterializeRouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post("/materialize", async (c) => {
    assertScope(c.var.identity, "notebook:execute");
    const body = await parseBody(c, MaterializeBody);
    const found = await locate(deps, c, body.transform, "notebook:execute");
    const params = resolveParams(found.transform, body.params);
    const session = await deps.sessions.open(c.var.tenant, found.abs, found.path);
    const merged = session.scope.secrets?.merged(); // issue 13 item 6: secrets by source
    const env = merged?.env ?? { ...(session.notebook.manifest.env ?? {}) };
    const release = deps.qos
      ? await deps.qos.acquire(c.var.tenant.hash, "bulk", c.req.raw.signal)
      : () => {};
    let outcome;
    try {
      outcome = await materialize(deps.materializer, {
        transform: found.transform,
        tenant: c.var.tenant,
        root: found.abs,
        path: found.path,
        notebook: session.notebook,
        env,
        secretKeys: merged?.secretKeys,
        redact: cellResultRedactor(secretValues(merged)),
        params,
        principal: c.var.identity.principal,
        signal: c.req.raw.signal,
      });
    } finally {
      release();
    }
    await deps.audit?.(c, {
      action: "transform.materialize",
      resource: found.resource,
      details: {
        transform: found.transform.name,
        params: Object.keys(params).sort(),
        ok: outcome.ok,
      },
      provenanceHash: outcome.ok ? outcome.artifact.provenance : undefined,
      outputHash: outcome.ok ? outcome.artifact.contentHash : undefined,
    });
    if (!outcome.ok) {
      const res = errorResponse(
        c,
        422,
        "transform_failed",
        `Transform '${found.transform.name}' failed in cell '${outcome.cellId}': ${outcome.error.message}`,
      );
      return res;
    }
    return c.json({
      transform: found.transform.name,
      cellId: outcome.cellId,
      cacheHit: outcome.cacheHit,
      artifact: outcome.artifact,
      streamUrl: `/v1/streams/${outcome.artifact.id}`,
    });
  });

  app.get("/streams/:id", async (c) => {
    assertScope(c.var.identity, "notebook:read");
    const id = c.req.param("id");
    const parsed = parseStreamId(id);
    if (!parsed) throw new NotFoundError(`Stream '${id}' not found`);
    const found = await locate(deps, c, parsed.transform, "notebook:read", id);
    const hit = await streamArtifact(deps.db, {
      tenantHash: c.var.tenant.hash,
      provenance: parsed.provenance,
      transform: found.transform,
      notebookId: found.notebook.manifest.notebook_id,
      cellId: found.cellId,
    });
    if (!hit) throw new NotFoundError(`Stream '${id}' not found`);
    const body = await getBlobStream(deps.blobs, hit.record.blobKey);
    if (!body) throw new NotFoundError(`Stream '${id}' not found (its blob is gone)`);
    return new Response(body, {
      headers: {
        "content-type": hit.record.codec === "json"
          ? "application/json"
          : "application/octet-stream",
        "content-length": String(hit.record.size),
        "etag": `"${hit.record.contentHash}"`,
        "x-strata-codec": hit.record.codec,
        "x-strata-content-hash": hit.record.contentHash,
        "cache-control": "private, max-age=0, must-revalidate",
      },
    });
  });

  return app;
}

/**
 * Finds a transform's notebook and cell and checks the ACL on its artifacts. An unknown
 * transform, a missing notebook or cell and a denial all answer 404, with the same message.
 */
async function locate(
  deps: MaterializeRouteDeps,
  c: Context<AppEnv>,
  name: string,
  scope: "notebook:read" | "notebook:execute",
  shownAs?: string,
): Promise<
  {
    transform: Transform;
    abs: string;
    path: string;
    notebook: Notebook;
    cellId: string;
    resource: string;
  }
> {
  const missing = () =>
    new NotFoundError(shownAs ? `Stream '${shownAs}' not found` : `Transform '${name}' not found`);
  const transform = deps.transforms.get(name);
  if (!transform) throw missing();
  const root = await deps.notebookRoot(c.var.tenant);
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
  try {
    authorize(deps, c, scope, resource);
  } catch (err) {
    if (err instanceof NotFoundError) throw missing();
    throw err;
  }
  return { transform, abs, path, notebook, cellId: cell.id, resource };
}
