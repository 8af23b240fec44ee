/** Where a tenant's notebooks live: the notebook root, or a per-tenant folder under it. */
import type { Config } from "../config/resolve.ts";
import type { Tenant } from "../http/context.ts";

/** The tenant's notebook folder (created if missing). Tenancy off: the notebook root itself. */
export async function tenantNotebookRoot(config: Config, tenant: Tenant): Promise<string> {
  const dir = config.multiTenantEnabled ? `${config.notebookStorageDir}/tenants/${tenant.hash}` : config.notebookStorageDir;
  await Deno.mkdir(dir, { recursive: true });
  return dir;
}
