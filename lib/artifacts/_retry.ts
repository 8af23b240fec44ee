/** Retrying an operation on transient failures with capped exponential backoff and full jitter. */

/** How retry decides and waits. */
export interface RetryOptions {
  /** Total tries, the first included (≥ 1). */
  maxAttempts: number;
  /** Upper bound of the first delay; doubles per attempt. */
  baseDelayMs: number;
  /** Cap on any single delay. */
  maxDelayMs: number;
  /** Whether an error is worth another attempt. */
  isTransient(err: unknown): boolean;
  /** Waits; injectable for tests. @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
  /** Random source in [0, 1). @default Math.random */
  random?: () => number;
}

/**
 * Runs `fn` until it succeeds, throws a non-transient error, or `maxAttempts` is reached; the last
 * error is rethrown unchanged. `fn` receives the 1-based attempt number.
 */
export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  opts: RetryOptions,
): Promise<T> {
  const sleep = opts.sleep ?? defaultSleep;
  const random = opts.random ?? Math.random;
  for (let attempt = 1;; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= opts.maxAttempts || !opts.isTransient(err)) throw err;
      // Full jitter (AWS architecture blog): spreads retries of many clients hitting one outage.
      const ceiling = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** (attempt - 1));
      await sleep(Math.floor(random() * ceiling));
    }
  }
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
