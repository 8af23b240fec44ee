/** One server span per HTTP request: method, route pattern, status, tenant hash, duration. */
import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { AppEnv } from "../http/context.ts";
import { parseTraceparent, SPAN_KIND, type Tracer } from "./tracer.ts";

/**
 * Middleware opening a span per request (continuing an incoming W3C `traceparent`); spans
 * started while the request runs (cell runs) become its children. Named by the route pattern,
 * never the raw path, so notebook paths in query strings and ids stay out of span names.
 */
export function httpTracing(tracer: Tracer): MiddlewareHandler<AppEnv> {
  return async function traceRequest(c, next) {
    const started = performance.now();
    const span = tracer.startSpan(`${c.req.method} request`, {
      kind: SPAN_KIND.server,
      parent: parseTraceparent(c.req.header("traceparent")),
      attributes: { "http.request.method": c.req.method },
    });
    let failed = false;
    try {
      await tracer.withSpan(span, next);
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      const pattern = routePath(c);
      const route = pattern && pattern !== "/*" ? pattern : "unmatched";
      const status = failed ? 500 : c.res.status;
      span.set({
        "http.route": route,
        "http.response.status_code": status,
        "strata.tenant_hash": c.var.tenant?.hash,
        "strata.duration_ms": Math.round((performance.now() - started) * 100) / 100,
      });
      span.setName(`${c.req.method} ${route}`);
      span.end({ error: status >= 500 });
    }
  };
}
