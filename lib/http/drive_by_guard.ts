/**
 * Personal mode has no authentication, so it must resist drive-by attacks from web pages:
 * a Host allowlist defeats DNS rebinding, and Origin / Sec-Fetch-Site checks refuse cross-site
 * state-changing requests and WebSocket upgrades.
 *
 * DNS rebinding needs a host name the attacker controls, so the Host check is about names, not
 * ports: loopback names are accepted on any port (an `ssh -L 9000:127.0.0.1:8765` tunnel or
 * `docker run -p 127.0.0.1:9000:8765` makes the browser send `localhost:9000`), and an
 * `allowed_hosts` entry without a port accepts any port. Probes (`/health`, `/ready`) answer
 * GET/HEAD whatever the Host, since a Kubernetes probe sends the pod's IP.
 */
import type { MiddlewareHandler } from "hono";
import { ForbiddenError } from "../errors.ts";
import type { AppEnv } from "./context.ts";

/** Options for driveByGuard. */
export interface DriveByGuardOptions {
  /**
   * Extra accepted Host values besides the loopback names: `name` (any port) or `name:port`
   * (that port only); IPv6 in brackets (`[fd00::1]`).
   */
  allowedHosts: readonly string[];
  /** Paths answered to safe methods whatever the Host (liveness/readiness probes). */
  exempt?: (path: string) => boolean;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const LOOPBACK_NAMES = new Set(["localhost", "[::1]"]);
const LOOPBACK_V4 = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HOST_RE = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/;

interface HostPort {
  name: string;
  port?: number;
}

/** Parses a Host header (or an allowed_hosts entry): lower-cased name and optional port. */
export function parseHost(value: string): HostPort | null {
  const m = HOST_RE.exec(value.trim().toLowerCase());
  if (!m) return null;
  const name = m[1].endsWith(".") ? m[1].slice(0, -1) : m[1]; // "localhost." is localhost
  if (name === "") return null;
  return { name, port: m[2] === undefined ? undefined : Number(m[2]) };
}

/** True for names that always mean this machine: localhost, [::1], 127.0.0.0/8. */
export function isLoopbackName(name: string): boolean {
  const v4 = LOOPBACK_V4.exec(name);
  if (v4) return v4.slice(1).every((n) => Number(n) <= 255);
  return LOOPBACK_NAMES.has(name);
}

/** Middleware refusing foreign Host headers and cross-site writes/WebSocket upgrades (403). */
export function driveByGuard(options: DriveByGuardOptions): MiddlewareHandler<AppEnv> {
  const extra = options.allowedHosts.map((entry) => {
    const parsed = parseHost(entry);
    if (!parsed) {
      throw new TypeError(
        `driveByGuard: allowed host '${entry}' is not a host name or host:port`,
      );
    }
    return parsed;
  });
  const exempt = options.exempt ?? (() => false);

  function configured(h: HostPort): boolean {
    return extra.some((e) => e.name === h.name && (e.port === undefined || e.port === h.port));
  }

  function hostAllowed(h: HostPort | null): boolean {
    return h !== null && (isLoopbackName(h.name) || configured(h));
  }

  return async function driveByGuardMiddleware(c, next) {
    const safe = SAFE_METHODS.has(c.req.method);
    const isUpgrade = (c.req.header("upgrade") ?? "").toLowerCase() === "websocket";
    if (safe && !isUpgrade && exempt(c.req.path)) return await next();
    const hostHeader = c.req.header("host") ?? new URL(c.req.url).host;
    const host = parseHost(hostHeader);
    if (!hostAllowed(host)) {
      throw new ForbiddenError(
        `Refused request for Host '${hostHeader}': personal mode only answers to loopback names ` +
          `(localhost, 127.0.0.1, [::1])${
            extra.length ? ` and ${options.allowedHosts.join(", ")}` : ""
          } (add it to allowed_hosts if you reach Strata by another name)`,
      );
    }
    if (!safe || isUpgrade) {
      const site = c.req.header("sec-fetch-site");
      if (site && site !== "same-origin" && site !== "none") {
        throw new ForbiddenError(`Refused cross-site request (Sec-Fetch-Site: ${site})`);
      }
      const origin = c.req.header("origin");
      if (origin === "null") throw new ForbiddenError("Refused request with Origin 'null'");
      if (origin) {
        let originHost: HostPort | null;
        try {
          originHost = parseHost(new URL(origin).host);
        } catch {
          throw new ForbiddenError(`Refused request with malformed Origin '${origin}'`);
        }
        // Same origin (the page was served by this Host, whatever the port it was forwarded
        // to), or a name the operator configured. Another local port (a dev server on
        // localhost:3000) is a different origin and is refused.
        const sameOrigin = originHost !== null && host !== null &&
          originHost.name === host.name && originHost.port === host.port;
        if (!sameOrigin && !(originHost && configured(originHost))) {
          throw new ForbiddenError(`Refused cross-origin request from '${origin}'`);
        }
      }
    }
    await next();
  };
}
