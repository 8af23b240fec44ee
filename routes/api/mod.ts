/** Mounts the JSON API and the WebSocket route; every route is a decoder in front of the dispatcher. */
import type { Hono } from "hono";
import type { AppEnv } from "../../lib/http/context.ts";
import { wsRoutes } from "../ws.ts";
import { adminRoutes } from "./admin.ts";
import { auditRoutes } from "./audit.ts";
import { cellRoutes } from "./cells.ts";
import type { ApiDeps } from "./deps.ts";
import { buildCommandDeps, COMMANDS, createDispatcher } from "../../lib/commands/mod.ts";
import type { Config } from "../../lib/config/resolve.ts";
import type { Services } from "../../lib/services.ts";
import { createQos } from "../../lib/tenancy/qos.ts";
import type { TenantRegistry } from "../../lib/tenancy/registry.ts";
import { materializeRoutes } from "./materialize.ts";
import { notebookRoutes } from "./notebooks.ts";
import { secretRoutes } from "./secrets.ts";
import { langServiceRoutes } from "./langservice.ts";
import { mcpRoutes } from "../mcp.ts"; // issue 18
import { exportRoutes } from "./export.ts"; // export helper: move into the command table
import { widgetRoutes } from "./widgets.ts"; // widgets (issue 16)
import { appRoutes } from "./apps.ts"; // app mode (issue 17)

/** What buildApiDeps needs: the process's config and services. */
export interface ApiDepsInput {
  config: Config;
  services: Services;
  tenants?: TenantRegistry;
}

/**
 * The API's dependencies as the server wires them (also used by in-process tests): one
 * dispatcher over the command table, with per-tenant execution slots.
 */
export function buildApiDeps(input: ApiDepsInput): ApiDeps {
  const deps = buildCommandDeps({
    config: input.config,
    services: input.services,
    tenants: input.tenants,
    qos: createQos({ interactiveSlots: 2, bulkSlots: 1, globalBulkSlots: 2 }),
  });
  const local = createDispatcher(deps, COMMANDS);
  // Issue 21 item 2: in a cluster, commands on a notebook run at (or are forwarded to) its owner.
  const dispatcher = input.services.ownership?.wrap(local, deps) ?? local;
  return { config: input.config, dispatcher, blobs: input.services.blobs };
}

/** Adds every /v1 route to `app`. */
export function mountApi(app: Hono<AppEnv>, deps: ApiDeps): void {
  app.route("/v1/notebooks/ws", wsRoutes(deps));
  app.route("/v1/notebooks", notebookRoutes(deps));
  app.route("/v1/notebooks", cellRoutes(deps));
  app.route("/v1/notebooks", secretRoutes(deps));
  app.route("/v1/notebooks", langServiceRoutes(deps)); // issue 15: complete / hover / definition
  app.route("/v1/notebooks", exportRoutes(deps)); // export helper
  app.route("/v1/notebooks", widgetRoutes(deps)); // widgets (issue 16)
  app.route("/v1/apps", appRoutes(deps)); // app mode (issue 17)
  app.route("/v1/audit", auditRoutes(deps));
  app.route("/v1", materializeRoutes(deps));
  app.route("/v1", adminRoutes(deps));
  app.route("/mcp", mcpRoutes(deps)); // issue 18: MCP over streamable HTTP, same middleware
}
