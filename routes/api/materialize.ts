/**
 * Server-side transforms: `POST /v1/materialize` runs a transform registered in `[transforms]`
 * and returns its artifact; `GET /v1/streams/{id}` streams the artifact's bytes.
 */
import { Hono } from "hono";
import { getBlobStream } from "../../lib/artifacts/streaming_blob_store.ts";
import { NotFoundError } from "../../lib/errors.ts";
import type { AppEnv } from "../../lib/http/context.ts";
import { callerOf, jsonBody } from "../../lib/http/caller.ts";
import type { ApiDeps } from "./deps.ts";

/** Routes under /v1: materialize and streams. */
export function materializeRoutes(deps: ApiDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { dispatch } = deps.dispatcher;

  app.post("/materialize", async (c) => {
    const out = await dispatch(
      "transform.materialize",
      await jsonBody(c),
      callerOf(c),
    );
    const { params: _params, ...answer } = out;
    return c.json(answer);
  });

  app.get("/streams/:id", async (c) => {
    const id = c.req.param("id");
    const hit = await dispatch("stream.read", { id }, callerOf(c));
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
