/**
 * Personal mode has no authentication, so it must resist drive-by attacks from web pages:
 * a Host allowlist defeats DNS rebinding, and Origin / Sec-Fetch-Site checks refuse cross-site
 * state-changing requests and WebSocket upgrades.
 */
import type { MiddlewareHandler } from "hono";
import { ForbiddenError } from "../errors.ts";
import type { AppEnv } from "./context.ts";

/** Options for driveByGuard. */
export interface DriveByGuardOptions {
  /** Accepted Host values without port (e.g. "127.0.0.1", "localhost"). */
  allowedHosts: readonly string[];
  /** The listen port, accepted on Host and Origin. */
  port: number;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Middleware refusing foreign Host headers and cross-site writes/WebSocket upgrades (403). */
export function driveByGuard(options: DriveByGuardOptions): MiddlewareHandler<AppEnv> {
  const hosts = new Set(options.allowedHosts.map((h) => h.toLowerCase()));
  if (hosts.size === 0) throw new TypeError("driveByGuard: allowedHosts must not be empty");

  function hostAllowed(hostHeader: string): boolean {
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostHeader.toLowerCase());
    if (!m) return false;
    return hosts.has(m[1]) &&
      (m[2] === undefined || Number(m[2]) === options.port || options.port === 0);
  }

  return async function driveByGuardMiddleware(c, next) {
    const host = c.req.header("host") ?? new URL(c.req.url).host;
    if (!hostAllowed(host)) {
      throw new ForbiddenError(
        `Refused request for Host '${host}': personal mode only answers to ${
          [...hosts].join(", ")
        } ` +
          "(add it to allowed_hosts if you reach Strata by another name)",
      );
    }
    const isUpgrade = (c.req.header("upgrade") ?? "").toLowerCase() === "websocket";
    if (!SAFE_METHODS.has(c.req.method) || isUpgrade) {
      const site = c.req.header("sec-fetch-site");
      if (site && site !== "same-origin" && site !== "none") {
        throw new ForbiddenError(`Refused cross-site request (Sec-Fetch-Site: ${site})`);
      }
      const origin = c.req.header("origin");
      if (origin && origin !== "null") {
        let originHost: string;
        try {
          originHost = new URL(origin).host;
        } catch {
          throw new ForbiddenError(`Refused request with malformed Origin '${origin}'`);
        }
        if (!hostAllowed(originHost)) {
          throw new ForbiddenError(`Refused cross-origin request from '${origin}'`);
        }
      } else if (origin === "null") {
        throw new ForbiddenError("Refused request with Origin 'null'");
      }
    }
    await next();
  };
}
