/** Tenant ids: validation and the hash that keys every per-tenant store. */
import { ValidationError } from "../errors.ts";

/** The tenant a request acts for; the default tenant when multi-tenancy is off. */
export interface Tenant {
  /** The validated tenant id ("default" when tenancy is off). */
  id: string;
  /** Hex hash of the id, used in storage keys, cache keys, folders and metric labels. */
  hash: string;
}

/** The tenant used when multi-tenancy is off (personal mode, single-tenant service). */
export const DEFAULT_TENANT_ID = "default";

const TENANT_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Throws ValidationError naming the rule when id is not a valid tenant id. */
export function validateTenantId(id: string): string {
  if (!TENANT_RE.test(id)) {
    throw new ValidationError(
      `Invalid tenant id ${JSON.stringify(id)}: use 1-64 characters of [A-Za-z0-9_-], ` +
        "starting with a letter or digit",
    );
  }
  return id;
}

/** 16-hex-char SHA-256 hash of a tenant id, used in storage keys, folders and metric labels. */
export async function tenantHash(id: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(`strata-tenant:${id}`),
  );
  return Array.from(new Uint8Array(digest).slice(0, 8), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}
