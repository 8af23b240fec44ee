/** Identity middleware for the three auth shapes, and the per-route scope check. */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv, Identity } from "./context.ts";
import { ForbiddenError, UnauthorizedError } from "../errors.ts";
import { ALL_SCOPES, hasScope, isScope, parseScopes, type Scope } from "../auth/scopes.ts";

/** Personal mode: no auth; optionally a principal from a header an authenticating proxy sets. */
export interface PersonalIdentityOptions {
  mode: "personal";
  /** Header carrying the caller's name (shared personal mode), e.g. "X-Forwarded-User". */
  userHeader?: string;
}

/** Service mode: identity comes from headers only a trusted proxy can set. */
export interface TrustedProxyIdentityOptions {
  mode: "trusted_proxy";
  /** Shared secret the proxy sends on every request. */
  proxyToken: string;
  /** @default "X-Strata-Proxy-Token" */
  proxyTokenHeader?: string;
  /** @default "X-Strata-Principal" */
  principalHeader?: string;
  /** @default "X-Strata-Scopes" */
  scopesHeader?: string;
  /** Longest principal accepted; longer ones are refused (401). @default 256 */
  maxPrincipalLength?: number;
}

/** Options for {@link identity}. */
export type IdentityOptions = (PersonalIdentityOptions | TrustedProxyIdentityOptions) & {
  /** Paths answered without identity (probes). They get an anonymous identity with no scopes. */
  exempt?: (path: string) => boolean;
};

const ANONYMOUS_PROXY: Identity = Object.freeze({
  principal: null,
  scopes: Object.freeze(new Set<string>()),
  source: "trusted_proxy",
});

const EVERYTHING: ReadonlySet<string> = Object.freeze(new Set([ALL_SCOPES]));

/** Sets `c.var.identity` from the configured auth mode; throws UnauthorizedError when refused. */
export function identity(options: IdentityOptions): MiddlewareHandler<AppEnv> {
  const exempt = options.exempt ?? (() => false);
  if (options.mode === "personal") return personalIdentity(options, exempt);
  if (options.mode === "trusted_proxy") return trustedProxyIdentity(options, exempt);
  throw new TypeError(
    `identity: unknown mode ${JSON.stringify((options as { mode: unknown }).mode)}`,
  );
}

function personalIdentity(
  options: PersonalIdentityOptions,
  exempt: (path: string) => boolean,
): MiddlewareHandler<AppEnv> {
  const userHeader = options.userHeader;
  if (userHeader !== undefined) assertHeaderName("userHeader", userHeader);
  const anonymous: Identity = Object.freeze({
    principal: null,
    scopes: EVERYTHING,
    source: "personal",
  });
  return async function personalIdentityMiddleware(c, next) {
    let value: Identity = anonymous;
    if (userHeader !== undefined && !exempt(c.req.path)) {
      const principal = c.req.header(userHeader)?.trim();
      if (principal) {
        value = { principal, scopes: EVERYTHING, source: "personal_user_header" };
      }
    }
    c.set("identity", value);
    await next();
  };
}

function trustedProxyIdentity(
  options: TrustedProxyIdentityOptions,
  exempt: (path: string) => boolean,
): MiddlewareHandler<AppEnv> {
  if (typeof options.proxyToken !== "string" || options.proxyToken.length === 0) {
    throw new TypeError("identity: proxyToken must be a non-empty string in trusted_proxy mode");
  }
  const tokenHeader = options.proxyTokenHeader ?? "X-Strata-Proxy-Token";
  const principalHeader = options.principalHeader ?? "X-Strata-Principal";
  const scopesHeader = options.scopesHeader ?? "X-Strata-Scopes";
  const maxPrincipalLength = options.maxPrincipalLength ?? 256;
  assertHeaderName("proxyTokenHeader", tokenHeader);
  assertHeaderName("principalHeader", principalHeader);
  assertHeaderName("scopesHeader", scopesHeader);
  if (!Number.isInteger(maxPrincipalLength) || maxPrincipalLength < 1) {
    throw new TypeError(`identity: maxPrincipalLength must be a positive integer`);
  }
  const checkToken = tokenChecker(options.proxyToken);

  return async function trustedProxyIdentityMiddleware(c, next) {
    if (exempt(c.req.path)) {
      c.set("identity", ANONYMOUS_PROXY);
      return await next();
    }
    // One message for every refusal, so a prober learns nothing about which check failed.
    if (!(await checkToken(c.req.header(tokenHeader)))) throw new UnauthorizedError();
    const principal = c.req.header(principalHeader)?.trim() ?? "";
    if (principal === "" || principal.length > maxPrincipalLength) {
      throw new UnauthorizedError();
    }
    c.set("identity", {
      principal,
      scopes: parseScopes(c.req.header(scopesHeader)),
      source: "trusted_proxy",
    });
    await next();
  };
}

/**
 * Returns a constant-time check of a presented token against the secret.
 *
 * Both sides are HMAC'd under a random per-process key, so the comparison always runs over two
 * 32-byte digests: neither the secret's length nor the position of the first differing byte
 * shows in the timing.
 */
export function tokenChecker(secret: string): (presented: string | undefined) => Promise<boolean> {
  const encoder = new TextEncoder();
  const keyBytes = crypto.getRandomValues(new Uint8Array(32));
  const key = crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  async function mac(value: string): Promise<Uint8Array> {
    return new Uint8Array(await crypto.subtle.sign("HMAC", await key, encoder.encode(value)));
  }
  const expected = mac(secret);
  return async function checkProxyToken(presented) {
    // An absent header still pays for one HMAC, so it times like a wrong one.
    const got = await mac(presented ?? "");
    const want = await expected;
    let diff = presented === undefined ? 1 : 0;
    for (let i = 0; i < want.length; i++) diff |= want[i] ^ got[i];
    return diff === 0;
  };
}

/** Throws ForbiddenError unless the identity holds `scope` (directly or through a wildcard). */
export function assertScope(who: Identity, scope: Scope): void {
  if (!hasScope(who.scopes, scope)) throw new ForbiddenError(`Missing scope '${scope}'`);
}

/** Middleware refusing (403) callers whose identity lacks `scope`; mount after {@link identity}. */
export function requireScope(scope: Scope): MiddlewareHandler<AppEnv> {
  if (!isScope(scope)) {
    throw new TypeError(`requireScope: unknown scope ${JSON.stringify(scope)}`);
  }
  return async function requireScopeMiddleware(c: Context<AppEnv>, next) {
    const who = c.get("identity");
    // A missing identity is a wiring bug; fail closed with a 500 rather than let it through.
    if (!who) throw new Error("requireScope: identity middleware did not run before this route");
    assertScope(who, scope);
    await next();
  };
}

function assertHeaderName(option: string, name: string): void {
  if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) {
    throw new TypeError(`identity: ${option} ${JSON.stringify(name)} is not a valid header name`);
  }
}
