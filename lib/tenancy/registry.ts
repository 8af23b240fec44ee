/** A bounded, least-recently-seen tenant registry behind `GET /v1/admin/tenants`. */

/** What the registry knows about one tenant. */
export interface TenantRecord {
  id: string;
  hash: string;
  /** Epoch ms of the first request seen since the record was (re)created. */
  firstSeen: number;
  /** Epoch ms of the latest request. */
  lastSeen: number;
  /** Requests seen since the record was (re)created. */
  requests: number;
}

/** Options for {@link tenantRegistry}. */
export interface TenantRegistryOptions {
  /** Most tenants remembered; the least recently seen is forgotten first. @default 10000 */
  max?: number;
  /** Clock in epoch ms, for tests. @default Date.now */
  now?: () => number;
}

/** The registry's operations. */
export interface TenantRegistry {
  /** Records a request for the tenant and returns its (copied) record. */
  touch(id: string, hash: string): TenantRecord;
  /** The tenant's hash if it is remembered (saves re-hashing on hot paths). */
  hashOf(id: string): string | undefined;
  /** Remembered tenants, most recently seen first. */
  list(): TenantRecord[];
  /** Number of tenants remembered. */
  readonly size: number;
  /** Tenants forgotten to stay within `max`, since creation. */
  readonly evicted: number;
}

/**
 * Creates a tenant registry bounded to `max` entries.
 *
 * It only describes activity: forgetting a tenant loses its counters, never its data, so the
 * bound keeps a flood of distinct tenant ids from growing memory without harming anyone.
 */
export function tenantRegistry(options: TenantRegistryOptions = {}): TenantRegistry {
  const max = options.max ?? 10_000;
  if (!Number.isInteger(max) || max < 1) {
    throw new TypeError(`tenantRegistry: max must be a positive integer, got ${max}`);
  }
  const now = options.now ?? Date.now;
  // Map iteration order is insertion order; re-inserting on touch keeps it least-recent-first.
  const records = new Map<string, TenantRecord>();
  let evicted = 0;

  return {
    touch(id, hash) {
      const t = now();
      const old = records.get(id);
      const rec = old ?? { id, hash, firstSeen: t, lastSeen: t, requests: 0 };
      rec.lastSeen = t;
      rec.requests++;
      records.delete(id);
      records.set(id, rec);
      while (records.size > max) {
        records.delete(records.keys().next().value!);
        evicted++;
      }
      return { ...rec };
    },
    hashOf(id) {
      return records.get(id)?.hash;
    },
    list() {
      return [...records.values()].reverse().map((r) => ({ ...r }));
    },
    get size() {
      return records.size;
    },
    get evicted() {
      return evicted;
    },
  };
}
