/**
 * The executor facade: runs cells in permission-scoped Deno children taken from a warm pool,
 * one child per job (or per batch of consecutive jobs sharing permissions), enforcing each job's
 * timeout, cancellation and memory cap by killing the child's process group.
 */

import { fileURLToPath } from "node:url";
import { deserialize } from "node:v8";
import { nullLogger } from "../log.ts";
import type { Logger } from "../log.ts";
import { childKey, type PermissionSpec } from "./permissions.ts";
import { WarmPool } from "./pool.ts";
import { CHILD_NICE } from "./child.ts";
import { type ChildFrame, newNonce } from "./protocol.ts";
import {
  DEFAULT_CONSOLE_LIMIT,
  DEFAULT_MEMORY_MB,
  DEFAULT_TIMEOUT_MS,
  type Prepared,
  prepareJob,
  type Produced,
} from "./_prepare.ts";
import { deathError, failedResult, JobConsole, mapResult } from "./_result.ts";
import { cleanText } from "./_messages.ts";
import type { CellJob, CellResult, ConsoleEntry, DisplayOutput } from "./types.ts";

/** Options for createExecutor. */
export interface ExecutorOptions {
  /** Parent folder of the children's scratch folders. */
  scratchRoot: string;
  /** @default Deno.execPath() */
  denoPath?: string;
  /** Idle children kept per permission set. @default 1 */
  poolSize?: number;
  /** Idle children of a permission set unused this long are stopped. @default 300_000 */
  idleMs?: number;
  /**
   * Environment of every child; the server's own is never inherited. Pass HOME or DENO_DIR so
   * children share Deno's module cache (faster start, `npm:` imports that are cached).
   * @default {}
   */
  childEnv?: Record<string, string>;
  /** @default the harness.ts beside this file */
  harnessPath?: string;
  /**
   * Run children as this user and group (the server must be root). The scratch folders are
   * given to it; it needs read access to the deno binary, DENO_DIR and the notebook folders.
   */
  runAs?: { uid: number; gid: number };
  /**
   * Nice value of the children: lower CPU priority than the server's, so that cells starting and
   * running do not hold up its requests (child.ts, lowerPriority; needs the server's
   * `--allow-sys=setPriority`). 0 keeps the server's priority. @default CHILD_NICE (10)
   */
  childNice?: number;
  log?: Logger;
  /**
   * Profiling: called after each job with when each step of its run happened (epoch ms, server
   * and child clocks alike; `bench/cell_steps_bench.ts`). Steps of the child's runner are
   * reported by the cell's own realm: informational, never trusted.
   */
  onSteps?: (cellId: string, steps: Record<string, number>) => void;
}

/** Options of one run. */
export interface RunOptions {
  signal?: AbortSignal;
}

/** Options of a batch run. */
export interface BatchOptions extends RunOptions {
  /** Called as each job finishes, in order. */
  onResult?: (result: CellResult, index: number) => void;
  /** Called with each piece of a prompt cell's answer as it streams (issue 18). */
  onDelta?: (text: string, index: number) => void;
  /** Called for each console line as the cell prints it (for live streaming). */
  onConsole?: (entry: ConsoleEntry, index: number) => void;
  /** Called for each display output as the cell shows it (the result repeats them all). */
  onDisplay?: (display: DisplayOutput, index: number) => void;
  /**
   * Settles once the caller has handled the results (stored, recorded, sent). The used child's
   * replacement starts then (at the latest REPLACE_WAIT_MS after the run), so that starting a
   * process does not compete with that work for the CPU. Without it the replacement starts at once.
   */
  handled?: PromiseLike<unknown>;
}

/** Runs cells in isolated children. */
export interface Executor {
  /** Runs one cell. Never throws for a cell failure: the result says what went wrong. */
  run(job: CellJob, options?: RunOptions): Promise<CellResult>;
  /** Runs cells in order; consecutive jobs with equal permissions share one child. */
  runBatch(jobs: CellJob[], options?: BatchOptions): Promise<CellResult[]>;
  /** Starts children for a permission set ahead of its first run. */
  warm(spec: PermissionSpec, memoryMb?: number): void;
  /** Pool figures. */
  stats(): { keys: number; idle: number; live: number };
  /** Kills every child and waits for them. */
  close(): Promise<void>;
}

/**
 * The longest a run's replacement child waits for `BatchOptions.handled` (see WarmPool.warmLater).
 * Starting a child (two isolates, ≈100–130 ms of CPU) while the caller stores and sends the result
 * slowed a warm cell by ≈9 ms on 2 cores (issue 20); a caller that takes longer than this (large
 * outputs) gets its replacement started anyway.
 */
const REPLACE_WAIT_MS = 50;

/** Resident memory of an idle child (Deno, the supervisor and the runner Worker), allowed on top. */
const RUNTIME_RSS_MB = 128;

/** Creates an executor with its own warm pool. */
export function createExecutor(options: ExecutorOptions): Executor {
  const log = options.log ?? nullLogger();
  const pool = new WarmPool({
    denoPath: options.denoPath ?? Deno.execPath(),
    harnessPath: options.harnessPath ?? defaultHarnessPath(),
    scratchRoot: options.scratchRoot,
    size: options.poolSize,
    idleMs: options.idleMs,
    env: options.childEnv,
    runAs: options.runAs,
    nice: options.childNice ?? CHILD_NICE,
    log,
  });

  async function runBatch(jobs: CellJob[], opts: BatchOptions = {}): Promise<CellResult[]> {
    const results: CellResult[] = [];
    const produced = new Map<string, Produced>();
    const emit = (r: CellResult) => {
      const job = jobs[results.length];
      if (r.status === "ok") { for (const v of r.outputs) produced.set(v.name, { value: v, job }); }
      results.push(r);
      opts.onResult?.(r, results.length - 1);
    };
    while (results.length < jobs.length) {
      if (opts.signal?.aborted) {
        emit(
          failedResult(jobs[results.length].cellId, {
            kind: "cancelled",
            message: "Cell run cancelled",
          }),
        );
        continue;
      }
      const start = results.length;
      const end = segmentEnd(jobs, start);
      await runSegment(jobs.slice(start, end), produced, emit, {
        ...opts,
        onConsole: opts.onConsole && ((e, i) => opts.onConsole!(e, start + i)),
        onDisplay: opts.onDisplay && ((d, i) => opts.onDisplay!(d, start + i)),
      });
    }
    return results;
  }

  /** Runs jobs in one child until they are done or the child dies; emits one result per job. */
  async function runSegment(
    jobs: CellJob[],
    produced: Map<string, Produced>,
    emit: (r: CellResult) => void,
    opts: BatchOptions,
  ): Promise<void> {
    const { signal, onConsole, onDisplay } = opts;
    const onSteps = options.onSteps;
    const mark: Record<string, number> = {};
    const now = () => performance.timeOrigin + performance.now();
    if (onSteps) mark["server: segment started"] = now();
    const spec = jobs[0].permissions;
    const memoryMb = jobs[0].memoryMb ?? DEFAULT_MEMORY_MB;
    // The child first: one that has to start (none idle) boots while the modules are built.
    const child = pool.acquire(spec, memoryMb);
    if (onSteps) mark["server: child acquired"] = now();
    const inChild = new Set<string>();
    const prepared: Prepared[] = [];
    for (const job of jobs) {
      prepared.push(await prepareJob(job, { inChild, produced }));
      for (const n of job.outputs) inChild.add(n);
    }
    const runnable = prepared.flatMap((p, i) => (p.ok ? [i] : []));
    if (runnable.length === 0) {
      pool.putBack(spec, memoryMb, child); // unused: it has run nothing
      prepared.forEach((p, i) => !p.ok && emit(failedResult(jobs[i].cellId, p.error)));
      return;
    }
    if (onSteps) mark["server: modules built"] = now();
    let killedFor: "timeout" | "cancelled" | undefined;
    const onAbort = () => {
      killedFor = "cancelled";
      child.kill();
    };

    signal?.addEventListener("abort", onAbort);
    let out = new JobConsole(jobs[0].consoleLimit ?? DEFAULT_CONSOLE_LIMIT);
    let current = 0;
    /** Every job answered: the child ends itself, and its group is killed after the answer. */
    let answered = false;
    child.onRaw((stream, text) => {
      out.raw(stream, text);
      onConsole?.({ stream, text }, current);
    });
    try {
      const nonce = newNonce();
      await child.send({
        nonce,
        // The cap is for what the cell allocates; the runtime itself (two isolates) comes on top.
        memoryCapMb: memoryMb + RUNTIME_RSS_MB,
        jobs: runnable.map((i) => (prepared[i] as Extract<Prepared, { ok: true }>).child),
      });
      if (onSteps) mark["server: message written"] = now();
      let next = 0;
      for (let i = 0; i < jobs.length; i++) {
        const p = prepared[i];
        if (!p.ok) {
          emit(failedResult(jobs[i].cellId, p.error));
          continue;
        }
        const job = jobs[i];
        const timeoutMs = job.timeoutMs ?? DEFAULT_TIMEOUT_MS;
        out = new JobConsole(job.consoleLimit ?? DEFAULT_CONSOLE_LIMIT);
        current = i;
        const started = performance.now();
        const timer = setTimeout(() => {
          killedFor = "timeout";
          child.kill();
        }, timeoutMs);
        let frame: ChildFrame | undefined;
        while (!killedFor) {
          const bytes = await child.nextFrame();
          frame = bytes && (deserialize(bytes) as ChildFrame);
          if (frame?.t === "display") {
            if (frame.index === next) onDisplay?.(frame.display, i);
            continue;
          }
          if (frame?.t !== "console") break;
          out.captured(frame.entry);
          onConsole?.(frame.entry, i);
        }
        clearTimeout(timer);
        const durationMs = performance.now() - started;
        if (frame?.t === "result") {
          if (frame.index !== next++) throw new Error("Cell child answered out of order");
          let outputs;
          try {
            outputs = await child.loadOutputs(frame.outputs);
          } catch (e) {
            const message = `Cannot read the cell's outputs: ${(e as Error).message}`;
            emit(failedResult(job.cellId, { kind: "encode", message }, durationMs, out));
            return;
          }
          const paths = { scratchDir: child.scratchDir, notebookDir: job.permissions.notebookDir };
          const result = mapResult(job.cellId, p, { ...frame, outputs }, out, durationMs, paths);
          if (onSteps) {
            const steps = {
              ...(i === 0 ? mark : {}),
              ...frame.steps,
              "server: result read": now(),
            };
            try {
              onSteps(job.cellId, steps);
            } catch { /* a profiler's failure is not the cell's */ }
          }
          emit(result);
          continue;
        }
        const status = await child.status;
        const error = deathError(killedFor, {
          timeoutMs,
          memoryMb: job.memoryMb ?? DEFAULT_MEMORY_MB,
          stderrTail: cleanText(child.stderrTail, {
            scratchDir: child.scratchDir,
            notebookDir: job.permissions.notebookDir,
          }),
          code: status.code,
        });
        log.debug("cell child ended without a result", { cell: job.cellId, kind: error.kind });
        emit(failedResult(job.cellId, error, durationMs, out));
        return; // the caller continues with the remaining jobs in a fresh child
      }
      answered = !killedFor;
    } finally {
      signal?.removeEventListener("abort", onAbort);
      child.onRaw(undefined);
      if (answered) pool.releaseLater(child, opts.handled, REPLACE_WAIT_MS);
      else {
        child.kill();
        void pool.release(child);
      }
      // The replacement starts after this run, not in it, and once the caller has handled the
      // result (docs/performance.md: a child's start competes with that work for the CPU).
      pool.warmLater(spec, memoryMb, opts.handled, REPLACE_WAIT_MS);
    }
  }

  return {
    run: async (job, opts) => (await runBatch([job], opts))[0],
    runBatch,
    warm: (spec, memoryMb) => pool.warm(spec, memoryMb ?? DEFAULT_MEMORY_MB),
    stats: () => pool.stats(),
    close: () => pool.close(),
  };
}

/** harness.ts beside this file; in the single-file build (scripts/build.ts), harness.js beside strata.js. */
function defaultHarnessPath(): string {
  const bundled = import.meta.url.endsWith(".js");
  return fileURLToPath(new URL(bundled ? "./harness.js" : "./harness.ts", import.meta.url));
}

/**
 * Where the child that starts at `start` stops. Jobs that share a child share a JavaScript realm
 * (values flow in memory), so a cell can change what later cells of its child compute. A job
 * therefore joins only if it has equal permissions and depends, directly or through the others,
 * on every job already in the child: whatever an earlier cell does to it is then part of its
 * provenance, and no cell can poison the cached result of a cell that does not depend on it.
 */
export function segmentEnd(jobs: readonly CellJob[], start: number): number {
  const producer = new Map<string, number>();
  const closures: Set<number>[] = [];
  const closureOf = (i: number) => {
    const c = new Set<number>();
    for (const name of jobs[i].carry ?? []) {
      const p = producer.get(name);
      if (p === undefined) continue;
      c.add(p);
      for (const q of closures[p - start]) c.add(q);
    }
    return c;
  };
  const admit = (i: number, closure: Set<number>) => {
    closures.push(closure);
    for (const name of jobs[i].outputs) producer.set(name, i);
  };
  admit(start, new Set());
  const key = segmentKey(jobs[start]);
  let end = start + 1;
  while (end < jobs.length && segmentKey(jobs[end]) === key) {
    const closure = closureOf(end);
    if (closure.size !== end - start) break;
    admit(end, closure);
    end++;
  }
  return end;
}

function segmentKey(job: CellJob): string {
  return `${childKey(job.permissions)}|${job.memoryMb ?? DEFAULT_MEMORY_MB}`;
}
