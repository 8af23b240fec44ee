/**
 * Samples each running child's resident memory and thread count from /proc and kills a child
 * over its cap. V8's `--max-old-space-size` bounds only the JavaScript heap; typed arrays,
 * ArrayBuffers and Workers live outside it, so the whole process is what the cap must hold
 * (RLIMIT_AS breaks V8's address-space reservations, and RLIMIT_DATA counts ~600 MB of Deno's
 * own reservations and makes Workers fail to start; measured on Deno 2.9.6).
 */

/** Why the watchdog killed a child. */
export type OverLimit =
  | { kind: "memory"; rssMb: number; capMb: number }
  | { kind: "threads"; threads: number; cap: number };

/** What to watch for one child. */
export interface WatchLimits {
  pid: number;
  /** Resident set cap of the whole process, in MB. */
  memoryMb: number;
  /** Thread cap (each Worker is one thread; Deno itself uses about ten). */
  maxThreads: number;
  /** Kills the child; called once, with the reason. */
  onOverLimit: (reason: OverLimit) => void;
}

/** The parsed figures of /proc/<pid>/status. */
export function parseStatus(text: string): { rssMb: number; threads: number } | undefined {
  const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
  const threads = /^Threads:\s+(\d+)/m.exec(text);
  if (!rss || !threads) return undefined;
  return { rssMb: Number(rss[1]) / 1024, threads: Number(threads[1]) };
}

/** One timer for all running children; `watch` returns the function that stops watching. */
export class Watchdog {
  #watched = new Set<WatchLimits>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #busy = false;
  #disabled = false;
  readonly intervalMs: number;
  readonly #onUnavailable: (error: unknown) => void;

  constructor(intervalMs: number, onUnavailable: (error: unknown) => void) {
    this.intervalMs = intervalMs;
    this.#onUnavailable = onUnavailable;
  }

  /** Starts watching a child until the returned function is called. */
  watch(limits: WatchLimits): () => void {
    if (this.#disabled || this.intervalMs <= 0) return () => {};
    this.#watched.add(limits);
    this.#timer ??= setInterval(() => void this.#tick(), this.intervalMs);
    return () => {
      this.#watched.delete(limits);
      if (this.#watched.size === 0 && this.#timer !== undefined) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    };
  }

  async #tick(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      for (const w of [...this.#watched]) {
        let text: string;
        try {
          text = await Deno.readTextFile(`/proc/${w.pid}/status`);
        } catch (e) {
          if (e instanceof Deno.errors.NotFound) continue; // already gone
          this.#disable(e);
          return;
        }
        const s = parseStatus(text);
        if (!s || !this.#watched.has(w)) continue;
        let reason: OverLimit | undefined;
        if (s.rssMb > w.memoryMb) reason = { kind: "memory", rssMb: s.rssMb, capMb: w.memoryMb };
        else if (s.threads > w.maxThreads) {
          reason = { kind: "threads", threads: s.threads, cap: w.maxThreads };
        }
        if (reason) {
          this.#watched.delete(w);
          w.onOverLimit(reason);
        }
      }
    } finally {
      this.#busy = false;
    }
  }

  #disable(error: unknown): void {
    this.#disabled = true;
    this.#watched.clear();
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#onUnavailable(error);
  }
}
