/**
 * The AI key pool: keys are taken round-robin; a key the endpoint refuses (401) or rate-limits
 * (429) rests for a while, doubling on each refusal in a row (a 429's `Retry-After` wins), so
 * the other keys carry the load. The keys stay in this object only: the pool hands out a key
 * with its slot number, and everything that is logged names the slot, never the key.
 */

/** Options of {@link createKeyPool}. */
export interface KeyPoolOptions {
  /** @default Date.now */
  now?: () => number;
  /** First rest after a 429 without Retry-After. @default 1_000 */
  rateLimitRestMs?: number;
  /** First rest after a 401 (the key may be revoked or mistyped). @default 60_000 */
  refusedRestMs?: number;
  /** Longest rest. @default 900_000 */
  maxRestMs?: number;
}

/** A key to use, or when the first resting key wakes up. */
export type KeyTake =
  | { ok: true; slot: number; key: string }
  | { ok: false; retryAt: number };

/** Keys used round-robin with rests; see the module doc. */
export interface KeyPool {
  /** Number of keys (1 for an endpoint without auth). */
  readonly size: number;
  /** The next key that is not resting, round-robin. */
  take(): KeyTake;
  /** The key of `slot` answered `status` (401 or 429); `retryAfterMs` from the answer, if any. */
  rest(slot: number, status: number, retryAfterMs?: number): number;
  /** The key of `slot` worked: its backoff starts over. */
  succeeded(slot: number): void;
}

interface Slot {
  key: string;
  restUntil: number;
  failures: number;
}

/**
 * Creates a pool over `keys` (an empty list: one slot with an empty key, for endpoints without
 * auth).
 *
 * @example
 * ```ts
 * const pool = createKeyPool(["k1", "k2"]);
 * const t = pool.take(); // { ok: true, slot: 0, key: "k1" }
 * if (t.ok) pool.rest(t.slot, 429, 2_000); // the next take() gives "k2"
 * ```
 */
export function createKeyPool(keys: readonly string[], options: KeyPoolOptions = {}): KeyPool {
  const now = options.now ?? Date.now;
  const rateLimitRest = options.rateLimitRestMs ?? 1_000;
  const refusedRest = options.refusedRestMs ?? 60_000;
  const maxRest = options.maxRestMs ?? 900_000;
  const slots: Slot[] = (keys.length ? keys : [""]).map((key) => ({
    key,
    restUntil: 0,
    failures: 0,
  }));
  let next = 0;

  return {
    size: slots.length,
    take() {
      const t = now();
      for (let i = 0; i < slots.length; i++) {
        const slot = (next + i) % slots.length;
        if (slots[slot].restUntil <= t) {
          next = (slot + 1) % slots.length;
          return { ok: true, slot, key: slots[slot].key };
        }
      }
      return { ok: false, retryAt: Math.min(...slots.map((s) => s.restUntil)) };
    },
    rest(slot, status, retryAfterMs) {
      const s = slots[slot];
      const base = status === 429 ? rateLimitRest : refusedRest;
      const backoff = Math.min(maxRest, base * 2 ** Math.min(s.failures, 20));
      const ms = retryAfterMs !== undefined && status === 429
        ? Math.min(maxRest, Math.max(0, retryAfterMs))
        : backoff;
      s.failures++;
      s.restUntil = now() + ms;
      return ms;
    },
    succeeded(slot) {
      slots[slot].failures = 0;
    },
  };
}

/** A `Retry-After` header value (seconds or an HTTP date) in milliseconds, if readable. */
export function retryAfterMs(
  value: string | null | undefined,
  now = Date.now(),
): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
