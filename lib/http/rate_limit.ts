/** Token-bucket rate limiting (global and per client) and the client key it is counted by. */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "./context.ts";

/** Options for {@link rateLimit}. */
export interface RateLimitOptions {
  /** Burst size per client: requests a full bucket allows at once. */
  capacity: number;
  /** Tokens added to a client's bucket per second. */
  refillPerSecond: number;
  /** Burst size shared by all clients. @default no global bucket */
  globalCapacity?: number;
  /** Refill of the shared bucket; required with `globalCapacity`. */
  globalRefillPerSecond?: number;
  /** The client a request counts against, e.g. `(c) => clientKey(c, {...})`. */
  keyFor: (c: Context<AppEnv>) => string;
  /** Paths never limited and never counted (probes). */
  exempt?: (path: string) => boolean;
  /** Clock in ms, for tests. @default Date.now */
  now?: () => number;
  /** Most client buckets kept; beyond it the least recently used is dropped. @default 10000 */
  maxBuckets?: number;
  /**
   * A bucket untouched this long is dropped. The default is the time an empty bucket takes to
   * refill, so dropping it is invisible to the client. @default capacity / refillPerSecond s
   */
  idleEvictMs?: number;
  /** Called on every 429, e.g. to count rejections in a metric. */
  onReject?: (key: string, bucket: "client" | "global", c: Context<AppEnv>) => void;
}

/** A token bucket's state: tokens left and when they were last topped up. */
export interface BucketState {
  tokens: number;
  updatedMs: number;
}

/** How a bucket fills. */
export interface BucketParams {
  capacity: number;
  refillPerSecond: number;
}

/** The outcome of asking a bucket for one token. */
export type TakeResult =
  | { allowed: true; remaining: number }
  | { allowed: false; retryAfterSeconds: number };

/** Tops the bucket up to `nowMs`, in place. */
export function refill(state: BucketState, params: BucketParams, nowMs: number): void {
  const elapsed = Math.max(0, nowMs - state.updatedMs) / 1000;
  state.tokens = Math.min(params.capacity, state.tokens + elapsed * params.refillPerSecond);
  state.updatedMs = Math.max(state.updatedMs, nowMs);
}

/** What taking one token would do, without taking it (the bucket must be refilled first). */
export function peek(state: BucketState, params: BucketParams): TakeResult {
  if (state.tokens >= 1) return { allowed: true, remaining: Math.floor(state.tokens - 1) };
  const seconds = (1 - state.tokens) / params.refillPerSecond;
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(seconds)) };
}

/**
 * Client buckets keyed by client, least recently used first, bounded in count and idle time.
 * Dropping a bucket hands its client a full one later, so the bounds favour clients; the
 * global bucket is what caps the total.
 */
export class BucketStore {
  readonly #params: BucketParams;
  readonly #max: number;
  readonly #idleMs: number;
  readonly #buckets = new Map<string, BucketState>();

  constructor(params: BucketParams, max: number, idleMs: number) {
    this.#params = params;
    this.#max = max;
    this.#idleMs = idleMs;
  }

  /** Buckets currently kept. */
  get size(): number {
    return this.#buckets.size;
  }

  /** The refilled bucket for `key` (a full one if unknown), marked most recently used. */
  get(key: string, nowMs: number): BucketState {
    this.#evictIdle(nowMs);
    let bucket = this.#buckets.get(key);
    if (bucket) {
      this.#buckets.delete(key);
      refill(bucket, this.#params, nowMs);
    } else {
      bucket = { tokens: this.#params.capacity, updatedMs: nowMs };
      while (this.#buckets.size >= this.#max) this.#buckets.delete(this.#oldestKey()!);
    }
    this.#buckets.set(key, bucket);
    return bucket;
  }

  #evictIdle(nowMs: number): void {
    // Least recently used sits first, so the scan stops at the first bucket still in use.
    for (const [key, bucket] of this.#buckets) {
      if (nowMs - bucket.updatedMs < this.#idleMs) break;
      this.#buckets.delete(key);
    }
  }

  #oldestKey(): string | undefined {
    return this.#buckets.keys().next().value;
  }
}

/** Rate-limits non-exempt requests; answers 429 with Retry-After and a JSON error when empty. */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler<AppEnv> {
  const client: BucketParams = {
    capacity: atLeastOne("capacity", options.capacity),
    refillPerSecond: positive("refillPerSecond", options.refillPerSecond),
  };
  const hasGlobal = options.globalCapacity !== undefined ||
    options.globalRefillPerSecond !== undefined;
  const global: BucketParams | undefined = hasGlobal
    ? {
      capacity: atLeastOne("globalCapacity", options.globalCapacity),
      refillPerSecond: positive("globalRefillPerSecond", options.globalRefillPerSecond),
    }
    : undefined;
  if (typeof options.keyFor !== "function") throw new TypeError("rateLimit: keyFor is required");
  const now = options.now ?? Date.now;
  const exempt = options.exempt ?? (() => false);
  const maxBuckets = options.maxBuckets ?? 10_000;
  if (!Number.isInteger(maxBuckets) || maxBuckets < 1) {
    throw new TypeError(`rateLimit: maxBuckets must be a positive integer, got ${maxBuckets}`);
  }
  const idleMs = positive(
    "idleEvictMs",
    options.idleEvictMs ?? Math.ceil((client.capacity / client.refillPerSecond) * 1000),
  );
  const buckets = new BucketStore(client, maxBuckets, idleMs);
  const globalBucket: BucketState | undefined = global &&
    { tokens: global.capacity, updatedMs: now() };
  const limit = String(Math.floor(client.capacity));

  return async function rateLimitMiddleware(c, next) {
    if (exempt(c.req.path)) return await next();
    const t = now();
    const key = options.keyFor(c);
    const bucket = buckets.get(key, t);
    const mine = peek(bucket, client);
    let verdict: TakeResult = mine;
    let which: "client" | "global" = "client";
    if (mine.allowed && global && globalBucket) {
      refill(globalBucket, global, t);
      const shared = peek(globalBucket, global);
      if (!shared.allowed) [verdict, which] = [shared, "global"];
    }
    if (!verdict.allowed) {
      options.onReject?.(key, which, c);
      const seconds = verdict.retryAfterSeconds;
      return c.json(
        {
          error: {
            code: "rate_limited",
            message: `Rate limit exceeded; retry in ${seconds} second${seconds === 1 ? "" : "s"}`,
          },
        },
        429,
        {
          "Retry-After": String(seconds),
          "X-RateLimit-Limit": limit,
          "X-RateLimit-Remaining": "0",
        },
      );
    }
    // Take from both only once both agreed, so a global refusal costs the client nothing.
    bucket.tokens -= 1;
    if (globalBucket) globalBucket.tokens -= 1;
    await next();
    // A 101 (WebSocket upgrade) cannot be rebuilt with new headers; it has no use for them.
    if (c.res.status === 101) return;
    c.header("X-RateLimit-Limit", limit);
    c.header("X-RateLimit-Remaining", String(verdict.remaining));
  };
}

/** Options for {@link clientKey}. */
export interface ClientKeyOptions {
  /** Count callers with a principal by principal (service mode). */
  principalFirst: boolean;
  /** Believe `X-Forwarded-For`; only when a proxy you run sets it. */
  trustForwardedFor: boolean;
  /**
   * How many trusted proxies append to `X-Forwarded-For`; the entry that many from the right
   * is the client as the outermost trusted proxy saw it. Entries further left are whatever the
   * client sent. @default 1
   */
  forwardedHops?: number;
  /** The TCP peer, e.g. `(c) => c.env.remoteAddr.hostname` under `Deno.serve`. */
  peerAddress: (c: Context<AppEnv>) => string;
}

/** The key a request is rate-limited by: `principal:<name>` or `addr:<address>`. */
export function clientKey(c: Context<AppEnv>, options: ClientKeyOptions): string {
  if (options.principalFirst) {
    const principal = c.get("identity")?.principal;
    if (principal) return `principal:${principal}`;
  }
  if (options.trustForwardedFor) {
    const hops = options.forwardedHops ?? 1;
    const entries = (c.req.header("X-Forwarded-For") ?? "").split(",").map((s) => s.trim());
    const entry = entries.length >= hops ? entries[entries.length - hops] : "";
    if (entry) return `addr:${entry}`;
  }
  return `addr:${options.peerAddress(c) || "unknown"}`;
}

function positive(name: string, value: number | undefined): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`rateLimit: ${name} must be a positive number, got ${value}`);
  }
  return value;
}

function atLeastOne(name: string, value: number | undefined): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 1) {
    throw new TypeError(`rateLimit: ${name} must be a number of at least 1, got ${value}`);
  }
  return value;
}
