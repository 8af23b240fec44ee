/** Tenancy middleware: picks, validates and hashes the request's tenant into `c.var.tenant`. */
import type { MiddlewareHandler } from "hono";
import type { AppEnv, Tenant } from "./context.ts";
import { ValidationError } from "../errors.ts";
import type { TenantRegistry } from "../tenancy/registry.ts";
import { DEFAULT_TENANT_ID, tenantHash, validateTenantId } from "../tenancy/tenant_id.ts";

/** Options for {@link tenancy}. */
export interface TenancyOptions {
  /** Multi-tenancy on; when off every request acts for the default tenant and headers are ignored. */
  enabled: boolean;
  /** Refuse (400) requests without a tenant header; otherwise they use the default tenant. */
  required: boolean;
  /** @default "X-Tenant-ID" */
  header?: string;
  /** Alternate header name, same meaning. @default "X-Strata-Tenant" */
  altHeader?: string;
  /** Records tenants seen, for `GET /v1/admin/tenants`. */
  registry?: TenantRegistry;
  /** Paths answered without a tenant (probes); they get the default tenant. */
  exempt?: (path: string) => boolean;
}

/** Sets `c.var.tenant`; throws ValidationError (400) for a missing, invalid or ambiguous tenant. */
export function tenancy(options: TenancyOptions): MiddlewareHandler<AppEnv> {
  const header = options.header ?? "X-Tenant-ID";
  const altHeader = options.altHeader ?? "X-Strata-Tenant";
  const { enabled, required, registry } = options;
  const exempt = options.exempt ?? (() => false);
  if (required && !enabled) {
    throw new TypeError(
      "tenancy: required needs enabled (a tenant header means nothing otherwise)",
    );
  }
  let defaultTenant: Promise<Tenant> | undefined;
  function fallback(): Promise<Tenant> {
    defaultTenant ??= tenantHash(DEFAULT_TENANT_ID).then((hash) =>
      Object.freeze({ id: DEFAULT_TENANT_ID, hash })
    );
    return defaultTenant;
  }

  return async function tenancyMiddleware(c, next) {
    if (!enabled || exempt(c.req.path)) {
      c.set("tenant", await fallback());
      return await next();
    }
    const id = pickTenantId(c.req.header(header), c.req.header(altHeader), header, altHeader);
    if (id === undefined) {
      if (required) throw new ValidationError(`Tenant header ${header} is required`);
      c.set("tenant", await fallback());
      return await next();
    }
    validateTenantId(id);
    const hash = registry?.hashOf(id) ?? await tenantHash(id);
    registry?.touch(id, hash);
    c.set("tenant", { id, hash });
    await next();
  };
}

/**
 * The tenant id from either header; undefined when neither is sent. An empty header counts as
 * sent (and fails validation) so a proxy that injects "" is noticed rather than defaulted.
 */
function pickTenantId(
  primary: string | undefined,
  alternate: string | undefined,
  header: string,
  altHeader: string,
): string | undefined {
  if (primary !== undefined && alternate !== undefined && primary !== alternate) {
    throw new ValidationError(
      `Tenant headers ${header} and ${altHeader} disagree (${JSON.stringify(primary)} vs ` +
        `${JSON.stringify(alternate)}); send one`,
    );
  }
  return primary ?? alternate;
}
