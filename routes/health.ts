/** Probes: /health (liveness, no I/O), /ready (every readiness check), /metrics (Prometheus). */
import { Hono } from "hono";
import type { AppEnv } from "../lib/http/context.ts";
import type { Readiness } from "../lib/readiness.ts";
import type { Metrics } from "../lib/metrics.ts";

/** Dependencies of the probe routes. */
export interface HealthRouteDeps {
  readiness: Readiness;
  metrics: Metrics;
  version: string;
}

/** Probe routes, mounted at the root. */
export function healthRoutes(deps: HealthRouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/health", (c) => c.json({ status: "ok", version: deps.version }));
  app.get("/ready", async (c) => {
    const report = await deps.readiness.run();
    return c.json(report, report.status === "ready" ? 200 : 503);
  });
  app.get("/metrics", async (c) => {
    const body = await deps.metrics.registry.metrics();
    return c.body(body, 200, { "Content-Type": deps.metrics.registry.contentType });
  });
  return app;
}
