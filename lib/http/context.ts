/** Typed per-request context shared by middleware and routes (Hono `c.var`). */
import type { Logger } from "../log.ts";

/** Who is calling. In personal mode with no user header the principal is null. */
export interface Identity {
  /** Principal name from the trusted proxy or the personal user header; null when anonymous. */
  principal: string | null;
  /** Granted scopes, e.g. "notebook:read"; personal mode grants everything ("*"). */
  scopes: ReadonlySet<string>;
  /** How the identity was established. */
  source: "personal" | "personal_user_header" | "trusted_proxy";
}

/** The tenant a request acts for; the default tenant when multi-tenancy is off. */
export interface Tenant {
  /** The validated tenant id ("default" when tenancy is off). */
  id: string;
  /** Hex hash of the id, used in storage keys, cache keys, folders and metric labels. */
  hash: string;
}

/** Hono environment type for the Strata app. */
export interface AppEnv {
  Variables: {
    requestId: string;
    log: Logger;
    identity: Identity;
    tenant: Tenant;
  };
}
