/** The server's audit recorder: appends events to the tenant's chain and counts them. */
import type { Db } from "../db/types.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import { appendAudit } from "./append.ts";
import type { AuditEventInput } from "./audit_event.ts";
import type { AuditKey } from "./audit_key.ts";

/** An event as callers describe it; `at` defaults to now. */
export type AuditRecord = Omit<AuditEventInput, "at"> & { at?: number };

/** Appends audit events; `tx` joins the caller's transaction (the change and its record commit together). */
export interface AuditRecorder {
  record(event: AuditRecord, tx?: Db): Promise<void>;
}

/** Options for createAuditRecorder. */
export interface AuditRecorderOptions {
  db: Db;
  key: AuditKey;
  log: Logger;
  metrics?: Metrics;
  /** Tenant id by hash, for the metric label. */
  tenantLabel?: (tenantHash: string) => string;
  now?: () => number;
}

/** Creates the recorder; the metric is counted only after the write succeeded. */
export function createAuditRecorder(options: AuditRecorderOptions): AuditRecorder {
  const now = options.now ?? Date.now;
  return {
    async record(event, tx) {
      await appendAudit(tx ?? options.db, options.key, { ...event, at: event.at ?? now() });
      options.metrics?.auditEvents.inc({
        tenant: options.tenantLabel?.(event.tenantHash) ?? event.tenantHash,
        action: event.action,
      });
    },
  };
}
