/** What the API routes need; assembled by main.ts. */
import type { Context } from "hono";
import type { AclConfig } from "../../lib/acl/acl.ts";
import type { Config } from "../../lib/config/resolve.ts";
import type { AppEnv, Tenant } from "../../lib/http/context.ts";
import type { SessionRegistry } from "../../lib/session/registry.ts";
import type { Db } from "../../lib/db/types.ts";
import type { BlobStore } from "../../lib/artifacts/blob_store.ts";
import type { Qos } from "../../lib/tenancy/qos.ts";
import type { TenantRegistry } from "../../lib/tenancy/registry.ts";

/** An audit event as routes describe it; the recorder adds who, tenant and time. */
export interface RouteAuditEvent {
  action: string;
  resource: string;
  details?: Record<string, unknown>;
  provenanceHash?: string;
  outputHash?: string;
}

/** Dependencies of the API routes. */
export interface ApiDeps {
  config: Config;
  db: Db;
  blobs: BlobStore;
  sessions: SessionRegistry;
  /** The notebook root folder of a tenant; NotFoundError until it exists unless `create`. */
  notebookRoot: (tenant: Tenant, options?: { create?: boolean }) => Promise<string>;
  /** ACL rules; absent means no ACL (personal mode, or service mode without [acl_config]). */
  acl?: AclConfig;
  qos?: Qos;
  tenants?: TenantRegistry;
  /** Keys audit rows may be signed with, for verification. */
  auditKeyring?: Map<string, Uint8Array>;
  /** Registered server-side transforms (`[transforms]`). */
  transforms?: import("../../lib/transforms/transforms.ts").Transforms;
  /** Services for transform runs; absent: /v1/materialize and /v1/streams are not mounted. */
  materializer?: import("../../lib/transforms/materialize.ts").MaterializeDeps;
  /** Records an audit event (absent: not recorded). */
  audit?: (c: Context<AppEnv>, event: RouteAuditEvent) => Promise<void>;
}
