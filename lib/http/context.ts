/** Typed per-request context shared by middleware and routes (Hono `c.var`). */
import type { Logger } from "../log.ts";
import type { Identity } from "../auth/caller.ts";
import type { Tenant } from "../tenancy/tenant_id.ts";

export type { Identity, Tenant };

/** Hono environment type for the Strata app. */
export interface AppEnv {
  Variables: {
    requestId: string;
    log: Logger;
    identity: Identity;
    tenant: Tenant;
  };
}
