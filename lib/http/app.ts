/** App assembly: the middleware stack in order, the probe routes, and the feature routes. */
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Config } from "../config/resolve.ts";
import { PayloadTooLargeError, UnauthorizedError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { Readiness } from "../readiness.ts";
import type { Tracer } from "../tracing/tracer.ts";
import { httpTracing } from "../tracing/http_tracing.ts";
import { healthRoutes } from "../../routes/health.ts";
import { identity } from "./identity.ts";
import { tenancy } from "./tenancy.ts";
import type { TenantRegistry } from "../tenancy/registry.ts";
import type { AppEnv, Tenant } from "./context.ts";
import { driveByGuard, isLoopbackName } from "./drive_by_guard.ts";
import { clientKey, rateLimit } from "./rate_limit.ts";
import { handleError, handleNotFound } from "./errors.ts";
import { requestContext } from "./request_context.ts";

/** Everything the HTTP surface needs; built by main.ts. */
export interface AppDeps {
  config: Config;
  log: Logger;
  metrics: Metrics;
  readiness: Readiness;
  version: string;
  /** The default tenant (tenancy off), with its hash precomputed. */
  defaultTenant: Tenant;
  /** Called when a request fails authentication (audit). */
  onAuthFailure?: (c: Context<AppEnv>) => Promise<void>;
  /** Tenants seen (service mode with tenancy). */
  tenants?: TenantRegistry;
  /** One span per request when tracing is on (lib/tracing/). */
  tracer?: Tracer;
  /** Feature routes mounted after the security middleware. */
  mount?: (app: Hono<AppEnv>) => void;
}

const PROBES = new Set(["/health", "/ready", "/metrics"]);
const isProbe = (path: string) => PROBES.has(path);
const isHostFreeProbe = (path: string) => path === "/health" || path === "/ready";

/**
 * True for a request to /health, /ready or /metrics. main.ts answers these from an app without
 * the feature routes; both apps have the probe routes, so the split never changes an answer.
 */
export function isProbePath(req: Request): boolean {
  return isProbe(new URL(req.url).pathname);
}

/** Builds the Hono app: request context, errors, body limit, drive-by guard, identity, routes. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const { config } = deps;
  const app = new Hono<AppEnv>();
  app.onError(handleError);
  app.notFound(handleNotFound);
  if (deps.tracer) app.use(httpTracing(deps.tracer));
  app.use(requestContext({ log: deps.log, metrics: deps.metrics }));
  app.use(bodyLimit({
    maxSize: config.maxBodyBytes,
    onError: () => {
      throw new PayloadTooLargeError(
        `Request body is larger than the limit of ${config.maxBodyBytes} bytes`,
      );
    },
  }));
  if (config.deploymentMode === "personal") {
    // Probes answer whatever the Host (a Kubernetes probe sends the pod IP); see drive_by_guard.
    app.use(driveByGuard({ allowedHosts: personalHosts(config), exempt: isHostFreeProbe }));
  }
  app.route(
    "/",
    healthRoutes({ readiness: deps.readiness, metrics: deps.metrics, version: deps.version }),
  );
  const identify = identity(
    config.authMode === "trusted_proxy"
      ? {
        mode: "trusted_proxy",
        proxyToken: config.proxyToken!,
        proxyTokenHeader: config.proxyTokenHeader,
        principalHeader: config.principalHeader,
        scopesHeader: config.scopesHeader,
        exempt: isProbe,
      }
      : { mode: "personal", userHeader: config.personalModeUserHeader, exempt: isProbe },
  );
  app.use(async function identifyAndAudit(c, next) {
    let passed = false;
    try {
      await identify(c, async () => {
        passed = true;
        await next();
      });
    } catch (err) {
      if (!passed && err instanceof UnauthorizedError) {
        await deps.onAuthFailure?.(c).catch((e) =>
          c.var.log.error("audit of an auth failure failed", { error: e })
        );
      }
      throw err;
    }
  });
  app.use(tenancy({
    enabled: config.multiTenantEnabled,
    required: config.requireTenantHeader,
    header: config.tenantHeader,
    registry: deps.tenants,
    exempt: isProbe,
  }));
  if (config.rateLimit.enabled) {
    app.use(rateLimit({
      capacity: config.rateLimit.burst,
      refillPerSecond: config.rateLimit.requestsPerSecond,
      globalCapacity: config.rateLimit.globalBurst,
      globalRefillPerSecond: config.rateLimit.globalRequestsPerSecond,
      exempt: isProbe,
      keyFor: (c) =>
        clientKey(c, {
          principalFirst: config.deploymentMode === "service",
          trustForwardedFor: config.rateLimit.trustForwardedFor,
          peerAddress: (ctx) =>
            ((ctx.env as Deno.ServeHandlerInfo<Deno.NetAddr> | undefined)?.remoteAddr?.hostname) ??
              "unknown",
        }),
      onReject: (_key, _bucket, c) =>
        deps.metrics.rateLimitRejections.inc({ tenant: c.var.tenant?.hash ?? "unknown" }),
    }));
  }
  deps.mount?.(app);
  return app;
}

/**
 * Host names personal mode answers to besides the loopback names (accepted on any port): the
 * configured allowed_hosts and the bind address when it is not loopback.
 */
export function personalHosts(config: Config): string[] {
  const hosts = [...config.allowedHosts];
  const bind = config.host.includes(":") && !config.host.startsWith("[")
    ? `[${config.host}]`
    : config.host;
  if (!isLoopbackName(bind) && !hosts.includes(bind)) hosts.push(bind);
  return hosts;
}
