// deno-lint-ignore-file no-explicit-any -- JSON answers of the HTTP API are read untyped
// Test helper: the real services and the whole app (middleware, API, socket) built in this
// process the way main.ts builds them, optionally served on a loopback port for socket tests.
import { loadConfig } from "../lib/config/load.ts";
import { createLogger } from "../lib/log.ts";
import { createMetrics, type Metrics } from "../lib/metrics.ts";
import { createReadiness } from "../lib/readiness.ts";
import { createServices, type Services } from "../lib/services.ts";
import { tenantRegistry } from "../lib/tenancy/registry.ts";
import { createApp } from "../lib/http/app.ts";
import { DEFAULT_TENANT_ID, tenantHash } from "../lib/tenancy/tenant_id.ts";
import { buildApiDeps, mountApi } from "../routes/api/mod.ts";

/** The proxy token of in-process service-mode apps. */
export const APP_TOKEN = "in-process-proxy-token-0123456";

/** An app built like main.ts's. */
export interface InProcessApp {
  services: Services;
  metrics: Metrics;
  /** A request through the whole middleware stack. */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<
    { status: number; body: any; res: Response }
  >;
  /** Serves the app on 127.0.0.1 (for WebSocket tests); returns its base URL. */
  listen(): string;
  close(): Promise<void>;
}

/** Builds a service-mode app (trusted proxy) over `dir`, with `env` on top of the defaults. */
export async function inProcessApp(
  dir: string,
  env: Record<string, string> = {},
): Promise<InProcessApp> {
  const full: Record<string, string> = {
    HOME: dir,
    STRATA_DATA_DIR: `${dir}/data`,
    STRATA_NOTEBOOK_STORAGE_DIR: `${dir}/notebooks`,
    STRATA_ARTIFACT_DIR: `${dir}/artifacts`,
    STRATA_DEPLOYMENT_MODE: "service",
    STRATA_AUTH_MODE: "trusted_proxy",
    STRATA_PROXY_TOKEN: APP_TOKEN,
    STRATA_AUDIT_HMAC_KEY: "b".repeat(40),
    STRATA_EXECUTOR_POOL_SIZE: "1",
    STRATA_LOG_LEVEL: "error",
    PATH: Deno.env.get("PATH") ?? "",
    ...env,
  };
  const { config } = loadConfig(full);
  const log = createLogger({ level: "error" });
  const metrics = createMetrics();
  const tenants = tenantRegistry({ max: config.maxTenants });
  const services = await createServices({ config, log, metrics });
  const apiDeps = buildApiDeps({ config, services, tenants });
  const app = createApp({
    config,
    log,
    metrics,
    readiness: createReadiness(),
    version: "test",
    defaultTenant: { id: DEFAULT_TENANT_ID, hash: await tenantHash(DEFAULT_TENANT_ID) },
    tenants,
    mount: (a) => mountApi(a, apiDeps),
  });
  let server: Deno.HttpServer<Deno.NetAddr> | undefined;
  return {
    services,
    metrics,
    async api(method, path, body, headers = {}) {
      const res = await app.request(path, {
        method,
        headers: { "content-type": "application/json", ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.clone().text();
      let parsed: any = text;
      try {
        parsed = JSON.parse(text);
      } catch { /* not JSON */ }
      return { status: res.status, body: parsed, res };
    },
    listen() {
      server ??= Deno.serve(
        { hostname: "127.0.0.1", port: 0, onListen() {} },
        (req, info) => app.fetch(req, info),
      );
      return `http://127.0.0.1:${server.addr.port}`;
    },
    async close() {
      await server?.shutdown();
      await services.close();
    },
  };
}

/** Headers a trusted proxy injects. */
export function proxyHeaders(
  principal: string,
  scopes: string,
  tenant?: string,
  token: string = APP_TOKEN,
): Record<string, string> {
  const h: Record<string, string> = {
    "X-Strata-Proxy-Token": token,
    "X-Strata-Principal": principal,
    "X-Strata-Scopes": scopes,
  };
  if (tenant !== undefined) h["X-Tenant-ID"] = tenant;
  return h;
}

/** A WebSocket client that collects every event and can wait for one. */
export interface SocketClient {
  events: any[];
  /** The first event from now on matching `pred`. */
  next(pred: (e: any) => boolean, timeoutMs?: number): Promise<any>;
  /**
   * The first event at or after index `from` of `events` matching `pred`, received already or
   * still to come. An action's events can arrive before its HTTP answer does: take `from` before
   * the action, or `next` misses them and waits for a later event.
   */
  since(from: number, pred: (e: any) => boolean, timeoutMs?: number): Promise<any>;
  send(type: string, payload?: unknown): void;
  close(): Promise<void>;
}

/** Opens a socket with the given headers; resolves once it is open, rejects if refused. */
export function openSocket(url: string, headers: Record<string, string>): Promise<SocketClient> {
  const ws = new WebSocket(url, { headers } as unknown as string[]);
  const events: any[] = [];
  const waiters = new Set<{ pred: (e: any) => boolean; resolve: (e: any) => void }>();
  const closed = new Promise<void>((r) => ws.addEventListener("close", () => r()));
  ws.addEventListener("message", (m) => {
    const e = JSON.parse(String(m.data));
    events.push(e);
    for (const w of waiters) {
      if (w.pred(e)) {
        waiters.delete(w);
        w.resolve(e);
      }
    }
  });
  const client: SocketClient = {
    events,
    next(pred, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const w = { pred, resolve: (e: any) => (clearTimeout(timer), resolve(e)) };
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(
            new Error(
              `no matching socket event in ${timeoutMs} ms; got ${
                JSON.stringify(events.map((e) => e.type))
              }`,
            ),
          );
        }, timeoutMs);
        waiters.add(w);
      });
    },
    since(from, pred, timeoutMs) {
      const got = events.slice(from).find(pred);
      return got ? Promise.resolve(got) : client.next(pred, timeoutMs);
    },
    send(type, payload = {}) {
      ws.send(JSON.stringify({ type, payload }));
    },
    async close() {
      if (ws.readyState !== WebSocket.CLOSED) ws.close();
      await closed;
    },
  };
  return new Promise((resolve, reject) => {
    ws.addEventListener("open", () => resolve(client), { once: true });
    ws.addEventListener("error", () => reject(new Error(`socket refused: ${url}`)), { once: true });
  });
}
