/** Per-tenant execution slots: interactive and bulk work queue separately for each tenant. */
import { StrataError } from "../errors.ts";
import { QueueFull, Semaphore } from "./_semaphore.ts";

/** Single-cell runs are interactive; run-all and materialize are bulk. */
export type WorkClass = "interactive" | "bulk";

/** Thrown when a tenant's wait queue for a work class is full; maps to 429. */
export class QueueFullError extends StrataError {
  constructor(message: string, options?: ErrorOptions) {
    super("queue_full", message, options);
  }
}

/** Options for {@link createQos}. */
export interface QosOptions {
  /** Concurrent interactive runs per tenant. */
  interactiveSlots: number;
  /** Concurrent bulk runs per tenant. */
  bulkSlots: number;
  /** Concurrent bulk runs across all tenants; interactive work never waits on it. @default no cap */
  globalBulkSlots?: number;
  /** Callers allowed to wait per tenant and work class; more are refused. @default 100 */
  maxQueue?: number;
}

/** Slot usage of one tenant, for metrics and the admin view. */
export interface TenantQosStats {
  tenant: string;
  interactive: { active: number; queued: number };
  bulk: { active: number; queued: number };
}

/** Gives out execution slots; `acquire` resolves to a release function (safe to call twice). */
export interface Qos {
  acquire(tenantHash: string, kind: WorkClass, signal?: AbortSignal): Promise<() => void>;
  /** Usage of every tenant currently holding or waiting for a slot. */
  stats(): TenantQosStats[];
  /** Global bulk usage (zeros when there is no global cap). */
  globalBulk(): { active: number; queued: number };
}

interface TenantSlots {
  interactive: Semaphore;
  bulk: Semaphore;
}

/**
 * Creates the limiter. Each tenant gets its own interactive and bulk semaphores, created on
 * first use and dropped when idle, so one tenant's bulk queue can delay only its own bulk work.
 * Bulk work also takes a global slot (after its tenant slot), so the global queue holds at
 * most `bulkSlots` waiters per tenant and no tenant can fill it alone.
 */
export function createQos(options: QosOptions): Qos {
  const { interactiveSlots, bulkSlots, globalBulkSlots } = options;
  const maxQueue = options.maxQueue ?? 100;
  positiveInt("interactiveSlots", interactiveSlots);
  positiveInt("bulkSlots", bulkSlots);
  if (globalBulkSlots !== undefined) positiveInt("globalBulkSlots", globalBulkSlots);
  if (!Number.isInteger(maxQueue) || maxQueue < 0) {
    throw new TypeError(`createQos: maxQueue must be a non-negative integer, got ${maxQueue}`);
  }
  const tenants = new Map<string, TenantSlots>();
  // Waiters here each hold a tenant bulk slot, so the queue is bounded by tenants × bulkSlots.
  const global = globalBulkSlots === undefined
    ? undefined
    : new Semaphore(globalBulkSlots, Number.MAX_SAFE_INTEGER);

  function slotsFor(tenant: string): TenantSlots {
    let slots = tenants.get(tenant);
    if (!slots) {
      slots = {
        interactive: new Semaphore(interactiveSlots, maxQueue),
        bulk: new Semaphore(bulkSlots, maxQueue),
      };
      tenants.set(tenant, slots);
    }
    return slots;
  }

  function forgetIfIdle(tenant: string, slots: TenantSlots): void {
    const { interactive, bulk } = slots;
    if (interactive.active + interactive.queued + bulk.active + bulk.queued === 0) {
      if (tenants.get(tenant) === slots) tenants.delete(tenant);
    }
  }

  async function acquire(
    tenant: string,
    kind: WorkClass,
    signal?: AbortSignal,
  ): Promise<() => void> {
    if (kind !== "interactive" && kind !== "bulk") {
      throw new TypeError(`qos: unknown work class ${JSON.stringify(kind)}`);
    }
    const slots = slotsFor(tenant);
    const own = slots[kind];
    try {
      await own.acquire(signal);
    } catch (err) {
      forgetIfIdle(tenant, slots);
      if (err instanceof QueueFull) {
        throw new QueueFullError(
          `Too many queued ${kind} runs for this tenant (limit ${maxQueue}); retry later`,
        );
      }
      throw err;
    }
    const useGlobal = kind === "bulk" && global !== undefined;
    if (useGlobal) {
      try {
        await global.acquire(signal);
      } catch (err) {
        own.release();
        forgetIfIdle(tenant, slots);
        throw err;
      }
    }
    let released = false;
    return function release() {
      if (released) return;
      released = true;
      if (useGlobal) global.release();
      own.release();
      forgetIfIdle(tenant, slots);
    };
  }

  return {
    acquire,
    stats() {
      return [...tenants].map(([tenant, s]) => ({
        tenant,
        interactive: { active: s.interactive.active, queued: s.interactive.queued },
        bulk: { active: s.bulk.active, queued: s.bulk.queued },
      }));
    },
    globalBulk() {
      return { active: global?.active ?? 0, queued: global?.queued ?? 0 };
    },
  };
}

function positiveInt(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new TypeError(`createQos: ${name} must be a positive integer, got ${value}`);
  }
}
