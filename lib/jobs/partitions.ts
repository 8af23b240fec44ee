/** Monthly partitions of run history and audit events on PostgreSQL: create ahead, drop old runs. */

import type { Db } from "../db/types.ts";
import type { CheckResult, ReadinessCheck } from "../readiness.ts";
import { DAY_MS, type JobReport } from "./job.ts";
import { monthLabel, monthStart } from "./_months.ts";

/** The partitioned tables. Only `runs` partitions are ever dropped; audit history is kept. */
export const PARTITIONED_TABLES = ["runs", "audit_events"] as const;

/** One partition and its range in epoch ms; null is MINVALUE / MAXVALUE. */
export interface PartitionInfo {
  name: string;
  from: number | null;
  to: number | null;
}

/** Dependencies of partitionJob. */
export interface PartitionJobDeps {
  db: Db;
  /** Months to create beyond the current one. @default 3 */
  monthsAhead?: number;
  /** Run history kept, in days; partitions of runs entirely older are dropped. 0 = keep all. */
  runRetentionDays: number;
}

/** What partitionJob did. */
export interface PartitionReport extends JobReport {
  created: string[];
  dropped: string[];
}

/**
 * Creates the current month's and the next `monthsAhead` months' partitions of runs and
 * audit_events (idempotent; a month already covered by any partition is left alone) and drops
 * runs partitions whose whole range is older than the retention. Never drops an audit_events
 * partition. On SQLite there are no partitions and it reports so.
 */
export async function partitionJob(deps: PartitionJobDeps, now: Date): Promise<PartitionReport> {
  const { db } = deps;
  if (db.kind !== "postgres") {
    return { summary: "sqlite: tables are not partitioned", created: [], dropped: [] };
  }
  const created = await ensurePartitions(db, { now, monthsAhead: deps.monthsAhead });
  const dropped: string[] = [];
  if (deps.runRetentionDays > 0) {
    const cutoff = now.getTime() - deps.runRetentionDays * DAY_MS;
    for (const part of await listPartitions(db, "runs")) {
      if (part.to === null || part.to > cutoff) continue;
      await db.exec(`DROP TABLE IF EXISTS ${quoteIdent(part.name)}`);
      dropped.push(part.name);
    }
  }
  return {
    summary: `created ${created.length} partition(s), dropped ${dropped.length} run partition(s)`,
    created,
    dropped,
  };
}

/**
 * Makes sure runs and audit_events have partitions for the month of `now` and `monthsAhead`
 * after it; returns the names created. Call at start-up too (PostgreSQL), so a server that was
 * down longer than the months made ahead can write before the first scheduled run.
 */
export async function ensurePartitions(
  db: Db,
  options: { now: Date; monthsAhead?: number },
): Promise<string[]> {
  if (db.kind !== "postgres") return [];
  const ahead = Math.max(0, Math.floor(options.monthsAhead ?? 3));
  const created: string[] = [];
  for (const table of PARTITIONED_TABLES) {
    const existing = await listPartitions(db, table);
    for (let i = 0; i <= ahead; i++) {
      const from = monthStart(options.now.getTime(), i);
      const to = monthStart(from, 1);
      if (existing.some((p) => overlaps(p, from, to))) continue;
      await db.query("SELECT strata_ensure_month_partition($1, $2)", [table, from]);
      created.push(`${table}_p${monthLabel(from)}`);
    }
  }
  return created;
}

/** The partitions of `table` with their ranges, oldest first (PostgreSQL; [] on SQLite). */
export async function listPartitions(db: Db, table: string): Promise<PartitionInfo[]> {
  if (db.kind !== "postgres") return [];
  const rows = await db.query<{ name: string; bound: string }>(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
     FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = to_regclass($1)`,
    [table],
  );
  const parts: PartitionInfo[] = [];
  for (const row of rows) {
    const match = /FROM \((.+?)\) TO \((.+?)\)/.exec(row.bound);
    if (!match) continue; // a DEFAULT partition: no range to manage
    parts.push({ name: row.name, from: boundValue(match[1]), to: boundValue(match[2]) });
  }
  return parts.sort((a, b) => (a.from ?? -Infinity) - (b.from ?? -Infinity));
}

/**
 * A readiness check: on PostgreSQL, fails naming the table when runs or audit_events has no
 * partition for the current month (writes there would fail); always ok on SQLite.
 */
export function partitionsReadinessCheck(
  db: Db,
  options: { now?: () => Date } = {},
): ReadinessCheck {
  const clock = options.now ?? (() => new Date());
  return async function checkPartitions(): Promise<CheckResult> {
    if (db.kind !== "postgres") return { ok: true };
    const now = clock().getTime();
    const missing: string[] = [];
    for (const table of PARTITIONED_TABLES) {
      const parts = await listPartitions(db, table);
      if (!parts.some((p) => overlaps(p, now, now + 1))) missing.push(table);
    }
    if (missing.length > 0) {
      return {
        ok: false,
        reason: `no partition for ${monthLabel(now)} in ${missing.join(", ")}`,
      };
    }
    return { ok: true };
  };
}

function overlaps(p: PartitionInfo, from: number, to: number): boolean {
  return (p.from === null || p.from < to) && (p.to === null || p.to > from);
}

function boundValue(text: string): number | null {
  if (text === "MINVALUE" || text === "MAXVALUE") return null;
  return Number(text.replace(/^'|'$/g, ""));
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
