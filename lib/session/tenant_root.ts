/** Where a tenant's notebooks live: the notebook root, or a per-tenant folder under it. */
import type { Config } from "../config/resolve.ts";
import type { Tenant } from "../tenancy/tenant_id.ts";
import { NotFoundError } from "../errors.ts";

/**
 * The tenant's notebook folder. Tenancy off: the notebook root itself. A tenant's folder is
 * created only when it creates a notebook (`create: true`), so requests naming new tenant ids
 * cannot fill the disk with empty folders.
 */
export async function tenantNotebookRoot(
  config: Config,
  tenant: Tenant,
  options: { create?: boolean } = {},
): Promise<string> {
  const dir = config.multiTenantEnabled
    ? `${config.notebookStorageDir}/tenants/${tenant.hash}`
    : config.notebookStorageDir;
  if (options.create || !config.multiTenantEnabled) {
    await Deno.mkdir(dir, { recursive: true });
    return dir;
  }
  try {
    await Deno.stat(dir);
  } catch {
    throw new NotFoundError("This tenant has no notebooks yet");
  }
  return dir;
}
