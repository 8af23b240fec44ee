/** The server's audit recorder: appends events to the tenant's chain and counts them. */
import type { Db } from "../db/types.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import { appendAudit, appendAuditBatch } from "./append.ts";
import type { AuditEventInput } from "./audit_event.ts";
import type { AuditKey } from "./audit_key.ts";

/** An event as callers describe it; `at` defaults to now. */
export type AuditRecord = Omit<AuditEventInput, "at"> & { at?: number };

/** Appends audit events; `tx` joins the caller's transaction (the change and its record commit together). */
export interface AuditRecorder {
  record(event: AuditRecord, tx?: Db): Promise<void>;
  /** Appends events of one tenant in order as one step (issue 20); same rows as `record` each. */
  recordMany?(events: readonly AuditRecord[], tx?: Db): Promise<void>;
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
    async recordMany(events, tx) {
      const at = now();
      await appendAuditBatch(
        tx ?? options.db,
        options.key,
        events.map((e) => ({ ...e, at: e.at ?? at })),
      );
      if (!options.metrics) return;
      // One increment per (tenant, action) by its count, not one per event (1,000 per run-all).
      const counts = new Map<string, { tenantHash: string; action: string; n: number }>();
      for (const event of events) {
        const key = `${event.tenantHash}\0${event.action}`;
        const entry = counts.get(key);
        if (entry) entry.n++;
        else counts.set(key, { tenantHash: event.tenantHash, action: event.action, n: 1 });
      }
      for (const { tenantHash, action, n } of counts.values()) {
        options.metrics.auditEvents.inc(
          { tenant: options.tenantLabel?.(tenantHash) ?? tenantHash, action },
          n,
        );
      }
    },
  };
}
