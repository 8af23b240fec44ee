/** First middleware: request id, per-request logger, and the request metrics. */
import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { AppEnv } from "./context.ts";

/** Options for requestContext. */
export interface RequestContextOptions {
  log: Logger;
  metrics: Metrics;
}

const ID_RE = /^[A-Za-z0-9._-]{1,64}$/;

/** Sets c.var.requestId and c.var.log, echoes X-Request-Id, records count and latency by route. */
export function requestContext(options: RequestContextOptions): MiddlewareHandler<AppEnv> {
  const { log, metrics } = options;
  return async function requestContextMiddleware(c, next) {
    const start = performance.now();
    const incoming = c.req.header("x-request-id");
    const id = incoming && ID_RE.test(incoming) ? incoming : crypto.randomUUID();
    c.set("requestId", id);
    c.set("log", log.child({ request_id: id }));
    try {
      await next();
    } finally {
      const status = String(c.res?.status ?? 500);
      // Unmatched paths share one label so scanners cannot blow up label cardinality.
      const route = c.res?.status === 404 && routePath(c) === "/*" ? "unmatched" : routePath(c);
      const labels = { method: c.req.method, route, status };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, (performance.now() - start) / 1000);
      c.res?.headers.set("X-Request-Id", id);
    }
  };
}
