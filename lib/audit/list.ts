/** Reading the audit log back: filtered, paged listing for `GET /v1/audit/events`. */

import type { Db, SqlValue } from "../db/types.ts";
import { AUDIT_COLUMNS, type AuditRow, toAuditRow } from "./audit_event.ts";

/** Filters for listAuditEvents; all optional except limit. */
export interface AuditEventFilters {
  tenantHash?: string;
  actor?: string;
  action?: string;
  /** Events at or after this time (epoch ms). */
  since?: number;
  /** Events before this time (epoch ms). */
  until?: number;
  /** Page size, clamped to 1..1000. */
  limit: number;
  /**
   * Resume after this seq (the last seq of the previous page). Only meaningful with
   * `tenantHash`: sequence numbers are per tenant. Throws a TypeError without it.
   */
  afterSeq?: number;
}

/** Maximum page size of listAuditEvents. */
export const MAX_AUDIT_PAGE = 1000;

/**
 * Events matching every given filter, in chain order (tenant, then seq). Page through one
 * tenant with `afterSeq`; `at` filters use the partition key, so PostgreSQL reads only the
 * months asked for.
 */
export async function listAuditEvents(db: Db, filters: AuditEventFilters): Promise<AuditRow[]> {
  if (filters.afterSeq !== undefined && filters.tenantHash === undefined) {
    throw new TypeError("Cannot list audit events: afterSeq needs tenantHash (seq is per tenant)");
  }
  const where: string[] = [];
  const params: SqlValue[] = [];
  function add(condition: string, value: SqlValue): void {
    params.push(value);
    where.push(condition.replace("?", `$${params.length}`));
  }
  if (filters.tenantHash !== undefined) add("tenant_hash = ?", filters.tenantHash);
  if (filters.actor !== undefined) add("actor = ?", filters.actor);
  if (filters.action !== undefined) add("action = ?", filters.action);
  if (filters.since !== undefined) add("at >= ?", integer("since", filters.since));
  if (filters.until !== undefined) add("at < ?", integer("until", filters.until));
  if (filters.afterSeq !== undefined) add("seq > ?", integer("afterSeq", filters.afterSeq));
  const limit = Math.min(Math.max(Math.floor(filters.limit) || 1, 1), MAX_AUDIT_PAGE);
  params.push(limit);
  const rows = await db.query(
    `SELECT ${AUDIT_COLUMNS} FROM audit_events
     ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
     ORDER BY tenant_hash, seq LIMIT $${params.length}`,
    params,
  );
  return rows.map(toAuditRow);
}

function integer(name: string, value: number): number {
  if (!Number.isSafeInteger(value)) {
    throw new TypeError(`Cannot list audit events: ${name} must be an integer, got ${value}`);
  }
  return value;
}
