/** Mounts the JSON API, the WebSocket route and the admin endpoints. */
import type { Hono } from "hono";
import type { AppEnv } from "../../lib/http/context.ts";
import { wsRoutes } from "../ws.ts";
import { adminRoutes } from "./admin.ts";
import { cellRoutes } from "./cells.ts";
import type { ApiDeps } from "./deps.ts";
import type { Config } from "../../lib/config/resolve.ts";
import type { Services } from "../../lib/services.ts";
import type { TenantRegistry } from "../../lib/tenancy/registry.ts";
import type { Logger } from "../../lib/log.ts";
import type { Metrics } from "../../lib/metrics.ts";
import { tenantNotebookRoot } from "../../lib/session/tenant_root.ts";
import { parseAcl } from "../../lib/acl/acl.ts";
import { createQos } from "../../lib/tenancy/qos.ts";
import { parseTransforms } from "../../lib/transforms/transforms.ts";
import { notebookRoutes } from "./notebooks.ts";
import { auditRoutes } from "./audit.ts";
import { materializeRoutes } from "./materialize.ts";
import { secretRoutes } from "./secrets.ts";
import { langServiceRoutes } from "./langservice.ts";

/** What buildApiDeps needs: the process's config and services. */
export interface ApiDepsInput {
  config: Config;
  services: Services;
  tenants: TenantRegistry;
  log: Logger;
  metrics: Metrics;
}

/** The API's dependencies as the server wires them (also used by in-process tests). */
export function buildApiDeps(input: ApiDepsInput): ApiDeps {
  const { config, services, tenants, log, metrics } = input;
  return {
    config,
    db: services.db,
    blobs: services.blobs,
    sessions: services.sessions,
    tenants,
    notebookRoot: (tenant, options) => tenantNotebookRoot(config, tenant, options),
    acl: config.acl ? parseAcl(config.acl) : undefined,
    qos: createQos({ interactiveSlots: 2, bulkSlots: 1, globalBulkSlots: 2 }),
    audit: (c, e) =>
      services.audit.record({
        tenantHash: c.var.tenant.hash,
        actor: c.var.identity?.principal ?? null,
        ...e,
      }),
    auditKeyring: services.auditKeyring,
    transforms: parseTransforms(config.transforms),
    materializer: {
      db: services.db,
      blobs: services.blobs,
      executor: services.executor,
      audit: services.audit,
      log: log.child({ component: "transforms" }),
      metrics,
      denoVersion: Deno.version.deno,
      memoryMb: config.executor.memoryMb,
      defaultTimeoutSeconds: config.executor.timeoutSeconds,
    },
  };
}

/** Adds every /v1 route to `app`. */
export function mountApi(app: Hono<AppEnv>, deps: ApiDeps): void {
  app.route("/v1/notebooks/ws", wsRoutes(deps));
  app.route("/v1/notebooks", notebookRoutes(deps));
  app.route("/v1/notebooks", cellRoutes(deps));
  app.route("/v1/notebooks", secretRoutes(deps));
  app.route("/v1/notebooks", langServiceRoutes(deps)); // issue 15: complete / hover / definition
  app.route("/v1/audit", auditRoutes(deps));
  if (deps.materializer) {
    app.route(
      "/v1",
      materializeRoutes({
        ...deps,
        transforms: deps.transforms ?? new Map(),
        materializer: deps.materializer,
      }),
    );
  }
  app.route("/v1", adminRoutes(deps));
}
