/** What commands run against: the process's services and policies, built once by main.ts. */
import type { AclConfig } from "../acl/acl.ts";
import type { Services } from "../services.ts";
import { tenantNotebookRoot } from "../session/tenant_root.ts";
import type { BlobStore } from "../artifacts/blob_store.ts";
import type { AuditRecorder } from "../audit/recorder.ts";
import type { Config } from "../config/resolve.ts";
import type { Db } from "../db/types.ts";
import type { SessionRegistry } from "../session/registry.ts";
import type { Qos } from "../tenancy/qos.ts";
import type { TenantRegistry } from "../tenancy/registry.ts";
import type { Tenant } from "../tenancy/tenant_id.ts";
import type { Transforms } from "../transforms/transforms.ts";
import type { Runtime } from "../runtime/runtime.ts";

/** Dependencies of every command. */
export interface CommandDeps {
  config: Config;
  db: Db;
  blobs: BlobStore;
  sessions: SessionRegistry;
  /** The one run path, shared with sessions (transform runs use it directly). */
  runtime: Runtime;
  /** The notebook root folder of a tenant; NotFoundError until it exists unless `create`. */
  notebookRoot: (tenant: Tenant, options?: { create?: boolean }) => Promise<string>;
  /** ACL rules; absent means no ACL (personal mode, or service mode without [acl_config]). */
  acl?: AclConfig;
  /** Execution slots per tenant; absent: no QoS (the CLI). */
  qos?: Qos;
  tenants?: TenantRegistry;
  /** Appends audit events (absent: nothing is recorded). */
  audit?: AuditRecorder;
  /** Keys audit rows may be signed with, for verification. */
  auditKeyring: Map<string, Uint8Array>;
  /** Registered server-side transforms (`[transforms]`). */
  transforms: Transforms;
}

/** What {@link buildCommandDeps} needs: the process's config, services and tenant registry. */
export interface CommandDepsInput {
  config: Config;
  services: Services;
  tenants?: TenantRegistry;
  /** Per-tenant execution slots; the server passes one, the CLI none. */
  qos?: Qos;
}

/** The commands' dependencies as the server (and in-process tests) wire them. */
export function buildCommandDeps(input: CommandDepsInput): CommandDeps {
  const { config, services } = input;
  return {
    config,
    db: services.db,
    blobs: services.blobs,
    sessions: services.sessions,
    runtime: services.runtime,
    notebookRoot: (tenant, options) => tenantNotebookRoot(config, tenant, options),
    acl: config.acl,
    qos: input.qos,
    tenants: input.tenants,
    audit: services.audit,
    auditKeyring: services.auditKeyring,
    transforms: config.transforms,
  };
}
