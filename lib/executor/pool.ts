/**
 * A warm pool of cell children keyed by permission set and memory cap. Each child is used for
 * one message and then disposed; taking a child starts its replacement in the background, so
 * the next run with the same permissions finds one already started. Keys unused for `idleMs`
 * lose their idle children. A key run again before its replacement could finish starting is
 * "hot" for a while and keeps one more idle child, so back-to-back runs (an agent's loop, a
 * person re-running a cell) find a started child instead of waiting for one to boot (issue 20).
 */

import { nullLogger } from "../log.ts";
import type { Logger } from "../log.ts";
import { CellChild } from "./child.ts";
import { childDenoDir, pruneModuleRows, removeEmits, SCRATCH_PREFIX } from "./deno_cache.ts";
import { buildPermissionFlags, childKey, type PermissionSpec } from "./permissions.ts";

/** Options for WarmPool. */
export interface WarmPoolOptions {
  denoPath: string;
  harnessPath: string;
  /** Parent of every child's scratch folder. */
  scratchRoot: string;
  /** Idle children kept per key. @default 1 */
  size?: number;
  /** A key unused this long loses its idle children. @default 300_000 */
  idleMs?: number;
  /** Environment of every child (nothing of the server's is inherited). @default {} */
  env?: Record<string, string>;
  /** Run children as this user (the server must be root); scratch folders are chowned to it. */
  runAs?: { uid: number; gid: number };
  /** Nice value of the children (child.ts, lowerPriority). @default 0 */
  nice?: number;
  /**
   * How often, once children were released, what Deno cached for their modules is deleted
   * (deno_cache.ts). The delete is synchronous, about 8 µs per row (four rows per run): often
   * enough to stay short. @default 10_000
   */
  pruneMs?: number;
  log?: Logger;
}

type ResolvedOptions = Required<Omit<WarmPoolOptions, "log" | "runAs" | "nice">> & {
  nice?: number;
  log: Logger;
  runAs?: { uid: number; gid: number };
};

interface Entry {
  spec: PermissionSpec;
  memoryMb: number;
  idle: CellChild[];
  lastUsed: number;
  /** When a run last took a child of this key (0: never). */
  lastRun: number;
  /** Until when (Date.now()) the key keeps one more idle child (see HOT_MS). */
  hotUntil: number;
  /** A replacement scheduled by warmLater. */
  pending?: Scheduled;
}

/**
 * About how long a child takes to start (two isolates and the harness: 100–130 ms of CPU on the
 * 2-core machine in docs/performance.md). A child taken younger than this was probably still
 * starting, and the run waited for it.
 */
const STARTING_MS = 150;
/** How long a key stays hot after a run that found no started child. */
const HOT_MS = 60_000;
/** Scratch folders made ahead of the children that will use them. */
const SCRATCH_AHEAD = 4;

/** Pre-started children per permission key; `close()` kills them all. */
export class WarmPool {
  #opts: ResolvedOptions;
  #entries = new Map<string, Entry>();
  #live = new Set<CellChild>();
  #timer: ReturnType<typeof setInterval>;
  #closed = false;
  /** The DENO_DIRs children were started with; whether a child was released since the last prune. */
  #denoDirs = new Set<string>();
  #released = false;
  #pruneTimer: ReturnType<typeof setInterval>;
  #pruning: Promise<void> | undefined;
  /** Scratch folders made ahead, off the event loop (see #scratchDir). */
  #scratch: string[] = [];
  #making: Promise<void> | undefined;
  /** Releases scheduled by releaseLater (close() releases those children itself). */
  #releasing = new Set<Scheduled>();

  constructor(options: WarmPoolOptions) {
    this.#opts = {
      ...options,
      size: options.size ?? 1,
      idleMs: options.idleMs ?? 300_000,
      pruneMs: options.pruneMs ?? 10_000,
      env: options.env ?? {},
      log: options.log ?? nullLogger(),
    };
    this.#timer = setInterval(() => this.#evict(), Math.max(1_000, this.#opts.idleMs / 2));
    this.#timer.unref();
    this.#pruneTimer = setInterval(() => {
      if (this.#released) void this.#prune();
    }, this.#opts.pruneMs);
    this.#pruneTimer.unref();
  }

  /**
   * Takes a started child for this permission set (cold-starting one if none is idle). Call
   * `warm` afterwards to start its replacement once the job is on its way.
   */
  acquire(spec: PermissionSpec, memoryMb: number): CellChild {
    if (this.#closed) throw new Error("Cannot start a cell child: the executor is closed");
    const now = Date.now();
    const entry = this.#entry(spec, memoryMb);
    // A first run of a key waits for its child without making the key hot; a repeat one may.
    const repeat = entry.lastRun > 0 && now - entry.lastRun < HOT_MS;
    entry.lastUsed = entry.lastRun = now;
    let child: CellChild | undefined;
    while ((child = entry.idle.shift()) && !child.alive) this.release(child);
    if (repeat && (!child || performance.now() - child.startedAt < STARTING_MS)) {
      entry.hotUntil = now + HOT_MS;
    }
    return child ?? this.#spawn(entry);
  }

  /** Starts idle children for this permission set ahead of use. */
  warm(spec: PermissionSpec, memoryMb: number): void {
    if (this.#closed) return;
    const entry = this.#entry(spec, memoryMb);
    entry.lastUsed = Date.now();
    this.#topUp(entry);
  }

  /**
   * Starts the replacement for a child just used once `after` settles, or `maxWaitMs` from now,
   * whichever is first (once per permission set); without `after`, on the next turn. Done later,
   * the start (≈100–130 ms of CPU, see docs/performance.md) is not part of the run that just
   * ended, nor of what the caller does with its result. A run that comes first starts its own
   * child in `acquire`.
   */
  warmLater(
    spec: PermissionSpec,
    memoryMb: number,
    after: PromiseLike<unknown> | undefined,
    maxWaitMs: number,
  ): void {
    if (this.#closed) return;
    const entry = this.#entry(spec, memoryMb);
    if (entry.pending !== undefined) return;
    entry.pending = afterHandled(after, maxWaitMs, true, () => {
      entry.pending = undefined;
      if (this.#entries.get(this.#key(spec, memoryMb)) === entry) this.warm(spec, memoryMb);
    });
  }

  /** Returns a child taken by `acquire` for this permission set that was sent nothing. */
  putBack(spec: PermissionSpec, memoryMb: number, child: CellChild): void {
    if (this.#closed || !child.alive) void this.release(child);
    else this.#entry(spec, memoryMb).idle.unshift(child);
  }

  /**
   * Disposes a child that answered every job, once `after` settles (on the next macrotask) or
   * after `maxWaitMs`: killing its group wakes its threads, and a kill(1) is a process start in
   * the permission-scoped server (0.3–0.4 ms either way), which the run's answer need not wait
   * for. The child ends itself after its last job; the kill is for what the cell left behind.
   */
  releaseLater(child: CellChild, after: PromiseLike<unknown> | undefined, maxWaitMs: number): void {
    if (this.#closed) return void this.release(child);
    const scheduled = afterHandled(after, maxWaitMs, false, () => {
      this.#releasing.delete(scheduled);
      void this.release(child);
    });
    this.#releasing.add(scheduled);
  }

  /** Disposes a child that has done its work (or failed). */
  async release(child: CellChild): Promise<void> {
    await child.dispose();
    this.#live.delete(child);
    this.#released = true;
  }

  /** Numbers for metrics and tests. */
  stats(): { keys: number; idle: number; live: number } {
    let idle = 0;
    for (const e of this.#entries.values()) idle += e.idle.length;
    return { keys: this.#entries.size, idle, live: this.#live.size };
  }

  /** Kills every child, idle or busy, and waits for them. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    clearInterval(this.#pruneTimer);
    for (const e of this.#entries.values()) e.pending?.cancel();
    for (const r of this.#releasing) r.cancel();
    this.#releasing.clear();
    this.#entries.clear();
    await Promise.all([...this.#live].map((c) => this.release(c)));
    await this.#making;
    await Promise.all(this.#scratch.splice(0).map((d) => Deno.remove(d).catch(() => {})));
    await this.#pruning;
    await this.#prune();
  }

  /**
   * Deletes what Deno cached in DENO_DIR for the modules of children that are gone: their emit
   * folders and their rows in its cache databases (deno_cache.ts). Each module is a new file,
   * imported once, so none of it would be read again. Runs every `pruneMs` after children were
   * released, and at close.
   */
  #prune(): Promise<void> {
    const isLive = (scratchDir: string) => {
      for (const c of this.#live) if (c.scratchDir === scratchDir) return true;
      return false;
    };
    this.#pruning ??= (async () => {
      this.#released = false; // a release during this prune is pruned next time
      for (const dir of this.#denoDirs) {
        pruneModuleRows(dir, this.#opts.scratchRoot);
        await removeEmits(dir, this.#opts.scratchRoot, { isLive });
      }
    })().finally(() => this.#pruning = undefined);
    return this.#pruning;
  }

  #key(spec: PermissionSpec, memoryMb: number): string {
    return `${childKey(spec)}|mem=${memoryMb}`;
  }

  #entry(spec: PermissionSpec, memoryMb: number): Entry {
    const key = this.#key(spec, memoryMb);
    let entry = this.#entries.get(key);
    if (!entry) {
      entry = { spec, memoryMb, idle: [], lastUsed: Date.now(), lastRun: 0, hotUntil: 0 };
      this.#entries.set(key, entry);
    }
    return entry;
  }

  #topUp(entry: Entry): void {
    const size = this.#opts.size + (entry.hotUntil > Date.now() ? 1 : 0);
    while (entry.idle.length < size) entry.idle.push(this.#spawn(entry));
  }

  /**
   * A fresh, empty scratch folder for a child. Folders are made a few ahead with async calls: a
   * synchronous mkdir held the event loop ≈1 ms per child while 20 sessions ran cells (issue 20,
   * docs/performance.md "p99"). Each is still used by one child only, and removed with it.
   */
  #scratchDir(): string {
    const dir = this.#scratch.pop() ?? this.#makeScratchSync();
    if (!this.#making && !this.#closed && this.#scratch.length < SCRATCH_AHEAD) {
      this.#making = this.#makeScratch().finally(() => this.#making = undefined);
    }
    return dir;
  }

  #makeScratchSync(): string {
    const dir = Deno.makeTempDirSync({ dir: this.#opts.scratchRoot, prefix: SCRATCH_PREFIX });
    const runAs = this.#opts.runAs;
    if (runAs) Deno.chownSync(dir, runAs.uid, runAs.gid);
    return dir;
  }

  async #makeScratch(): Promise<void> {
    const runAs = this.#opts.runAs;
    try {
      while (this.#scratch.length < SCRATCH_AHEAD && !this.#closed) {
        const dir = await Deno.makeTempDir({ dir: this.#opts.scratchRoot, prefix: SCRATCH_PREFIX });
        if (runAs) await Deno.chown(dir, runAs.uid, runAs.gid);
        if (this.#closed) await Deno.remove(dir);
        else this.#scratch.push(dir);
      }
    } catch (err) {
      // The next child makes its own folder (synchronously), and reports any error then.
      this.#opts.log.debug("cannot make a scratch folder ahead", { error: String(err) });
    }
  }

  #spawn(entry: Entry): CellChild {
    const scratchDir = this.#scratchDir();
    const runAs = this.#opts.runAs;
    const denoDir = childDenoDir(this.#opts.env, entry.spec.notebookDir);
    if (denoDir) this.#denoDirs.add(denoDir);
    const child = new CellChild({
      denoPath: this.#opts.denoPath,
      harnessPath: this.#opts.harnessPath,
      scratchDir,
      flags: buildPermissionFlags(entry.spec, { scratchDir }),
      memoryMb: entry.memoryMb,
      cwd: entry.spec.notebookDir,
      env: this.#opts.env,
      runAs,
      nice: this.#opts.nice,
    });
    this.#live.add(child);
    this.#opts.log.debug("cell child started", { pid: child.pid });
    return child;
  }

  #evict(): void {
    const cutoff = Date.now() - this.#opts.idleMs;
    for (const [key, entry] of this.#entries) {
      if (entry.lastUsed >= cutoff) continue;
      this.#entries.delete(key);
      entry.pending?.cancel();
      for (const c of entry.idle) void this.release(c);
    }
  }
}

/** Work scheduled by afterHandled. */
interface Scheduled {
  cancel(): void;
}

/**
 * Runs `fn` once: on the macrotask after `after` settles (not in a microtask: the caller settles
 * it just before answering, and what runs here must not come first), or `maxWaitMs` from now,
 * whichever is first; without `after`, on the next turn. `unref`: the timer keeps no process alive.
 */
function afterHandled(
  after: PromiseLike<unknown> | undefined,
  maxWaitMs: number,
  unref: boolean,
  fn: () => void,
): Scheduled {
  let done = false;
  let timer: ReturnType<typeof setTimeout>;
  const arm = (ms: number) => {
    if (done) return;
    clearTimeout(timer);
    timer = setTimeout(fire, ms);
    if (unref) Deno.unrefTimer(timer as unknown as number);
  };
  const fire = () => {
    if (done) return;
    done = true;
    fn();
  };
  arm(after ? maxWaitMs : 0);
  if (after) Promise.resolve(after).then(() => arm(0), () => arm(0));
  return {
    cancel() {
      done = true;
      clearTimeout(timer);
    },
  };
}
