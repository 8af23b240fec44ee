/**
 * `GET /v1/notebooks/{sid}/export?format=html|ipynb|script[&code=false]`: the notebook as one
 * downloadable file. Scope notebook:read plus the notebook's ACL (denied answers 404). The
 * script export carries no server path: it runs cells from the folder it is started in.
 */
import { Hono } from "hono";
import { ValidationError } from "../../lib/errors.ts";
import { EXPORT_FORMATS, type ExportFormat, exportNotebook } from "../../lib/export/export.ts";
import type { AppEnv } from "../../lib/http/context.ts";
import type { ApiDeps } from "./deps.ts";
import { authorize } from "./_helpers.ts";

/** Routes under /v1/notebooks for exports. */
export function exportRoutes(deps: ApiDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/:sid/export", async (c) => {
    const s = deps.sessions.get(c.var.tenant, c.req.param("sid"));
    authorize(deps, c, "notebook:read", `notebooks/${s.scope.path}`);
    const format = c.req.query("format") ?? "html";
    if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
      throw new ValidationError(
        `Cannot export: format '${format}' is not one of ${EXPORT_FORMATS.join(", ")}`,
      );
    }
    const codeParam = c.req.query("code");
    if (codeParam !== undefined && codeParam !== "true" && codeParam !== "false") {
      throw new ValidationError(`Cannot export: code must be true or false, got '${codeParam}'`);
    }
    const file = await exportNotebook(
      s,
      { db: deps.db, denoVersion: Deno.version.deno },
      { format: format as ExportFormat, code: codeParam !== "false" },
    );
    await deps.audit?.(c, {
      action: "notebook.export",
      resource: `notebooks/${s.scope.path}`,
      details: { format, code: codeParam !== "false" },
    });
    const download = c.req.query("download") === "1";
    return c.body(file.text, 200, {
      "content-type": file.contentType,
      "content-disposition": `${download ? "attachment" : "inline"}; filename="${file.fileName}"`,
      // The HTML report carries its own CSP; this one also covers the other formats.
      "content-security-policy": "default-src 'none'; img-src data:; style-src 'unsafe-inline'",
      "x-content-type-options": "nosniff",
    });
  });
  return app;
}
