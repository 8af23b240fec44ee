/**
 * `GET /v1/notebooks/{sid}/export?format=html|ipynb|script[&code=false][&download=1]`: decodes
 * the query into `notebook.export` (scope notebook:read, ACL on the notebook, audited) and sends
 * the file with its type.
 */
import { Hono } from "hono";
import { ValidationError } from "../../lib/errors.ts";
import { callerOf } from "../../lib/http/caller.ts";
import type { AppEnv } from "../../lib/http/context.ts";
import type { ApiDeps } from "./deps.ts";

/** Routes under /v1/notebooks for exports. */
export function exportRoutes(deps: ApiDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/:sid/export", async (c) => {
    const code = c.req.query("code");
    if (code !== undefined && code !== "true" && code !== "false") {
      throw new ValidationError(`Invalid code: expected true or false, got '${code}'`);
    }
    const file = await deps.dispatcher.dispatch("notebook.export", {
      sid: c.req.param("sid"),
      format: c.req.query("format"),
      code: code === undefined ? undefined : code === "true",
    }, callerOf(c));
    const disposition = c.req.query("download") === "1" ? "attachment" : "inline";
    return c.body(file.text, 200, {
      "content-type": file.contentType,
      "content-disposition": `${disposition}; filename="${file.fileName}"`,
      // The HTML report carries its own CSP; this one also covers the other formats.
      "content-security-policy": "default-src 'none'; img-src data:; style-src 'unsafe-inline'",
      "x-content-type-options": "nosniff",
    });
  });
  return app;
}
