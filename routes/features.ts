/**
 * The feature routes (JSON API, WebSocket, MCP, pages) as one mount, loaded on the first request
 * that is not a probe (main.ts, through lib/optional_import.ts): a start that only answers /health
 * and /ready never loads the command table, the pages or the session model they pull in.
 */
import type { Hono } from "hono";
import type { AppEnv } from "../lib/http/context.ts";
import { type ApiDepsInput, buildApiDeps, mountApi } from "./api/mod.ts";
import { pageRoutes } from "./pages/mod.ts";

/** Adds every feature route to `app` (after its security middleware), wired to `input`. */
export function mountFeatures(app: Hono<AppEnv>, input: ApiDepsInput): void {
  const deps = buildApiDeps(input);
  mountApi(app, deps);
  app.route("/", pageRoutes(deps));
}
