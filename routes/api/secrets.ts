/** Secret manager of a session: save its config (then fetch at once) and refresh. Never answers 500 for a fetch. */
import { type Context, Hono } from "hono";
import { z } from "zod";
import { ForbiddenError, ValidationError } from "../../lib/errors.ts";
import type { AppEnv } from "../../lib/http/context.ts";
import { parseSecretManagerConfig, type SecretManagerConfig } from "../../lib/secrets/provider.ts";
import { denyDetails } from "../../lib/secrets/session_factory.ts";
import type { NotebookSession } from "../../lib/session/notebook_session.ts";
import type { ApiDeps } from "./deps.ts";
import { authorize, parseBody } from "./_helpers.ts";

const ConfigBody = z.object({ config: z.record(z.string(), z.unknown()).nullable() });

/** Routes under /v1/notebooks/:sid/secret-manager. */
export function secretRoutes(deps: ApiDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.put("/:sid/secret-manager/config", async (c) => {
    const s = deps.sessions.get(c.var.tenant, c.req.param("sid"));
    authorize(deps, c, "notebook:write", `notebooks/${s.scope.path}`);
    const body = await parseBody(c, ConfigBody);
    let warnings: string[] = [];
    let config = null;
    if (body.config) {
      const parsed = parseSecretManagerConfig(body.config);
      if (!parsed.config) {
        throw new ValidationError(
          `Invalid secret manager config: ${"error" in parsed ? parsed.error : "unknown error"}`,
        );
      }
      config = parsed.config;
      warnings = parsed.warnings;
      await refuseIfDenied(deps, c, s, config, "config"); // issue 13 item 5
    }
    const changed = await s.setSecretManager(config);
    await deps.audit?.(c, {
      action: "secret_manager.config",
      resource: `notebooks/${s.scope.path}`,
      details: { provider: config?.provider ?? null, changed },
    });
    return c.json({ warnings, state: s.state() });
  });

  app.post("/:sid/secret-manager/refresh", async (c) => {
    const s = deps.sessions.get(c.var.tenant, c.req.param("sid"));
    authorize(deps, c, "notebook:write", `notebooks/${s.scope.path}`);
    const current = s.scope.secrets?.config;
    if (current) await refuseIfDenied(deps, c, s, current, "refresh"); // issue 13 item 5
    await s.refreshSecrets();
    await deps.audit?.(c, {
      action: "secret_manager.refresh",
      resource: `notebooks/${s.scope.path}`,
    });
    return c.json(s.state());
  });

  return app;
}

/** Audits `secret_manager.deny` and answers 403 when the tenant's policy refuses `config`. */
async function refuseIfDenied(
  deps: ApiDeps,
  c: Context<AppEnv>,
  s: NotebookSession,
  config: SecretManagerConfig,
  trigger: "config" | "refresh",
): Promise<void> {
  const decision = s.scope.secrets?.check(config);
  if (!decision || decision.allow) return;
  await deps.audit?.(c, {
    action: "secret_manager.deny",
    resource: `notebooks/${s.scope.path}`,
    details: { ...denyDetails(config, decision.reason), trigger },
  });
  throw new ForbiddenError(decision.reason);
}
