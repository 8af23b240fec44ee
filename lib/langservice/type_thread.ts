/**
 * The type thread: every notebook's language service (TypeScript's compiler, the parsed Deno and
 * ES declarations, one checker per notebook) lives in one Worker, so a type check (100–400 ms of
 * synchronous compiler work per edit of a 100-cell notebook) never holds up a request, a socket
 * message or a cell's result on the server's event loop (issue 20). The analyzer does not need
 * the compiler (it parses with Babel on the server's thread, docs/architecture.md), so opening or
 * running a notebook starts no Worker.
 * Started on first use, stopped once nothing has used it for IDLE_MS and no notebook has a
 * service (which returns the compiler's memory); a Worker that dies takes its services with it,
 * and each is rebuilt on its next use. It is stopped when a check is stuck in one call (STUCK_MS)
 * and when its heap outgrows MEMORY_MB; the server goes on either way. Where no Worker can start,
 * the same host runs on the server's thread, in slices, as before.
 */
import { Worker } from "node:worker_threads";
import type { CellAnalysis } from "../notebook/analyzer.ts";
import type { CompletionResult, DefinitionResult, HoverResult } from "./language_service.ts";
import {
  type CheckResult,
  type CompilerInfo,
  TypesHost,
  type TypesReply,
  type TypesRequest,
} from "./_types_host.ts";
import type { VirtualCellInput } from "./virtual_cells.ts";
import { typeScriptCodeCacheConfig } from "../notebook/_typescript.ts";

/** A Worker unused this long, with no notebook service left, is stopped (configureTypeThread). */
const IDLE_MS = 30_000;
/**
 * A Worker that has not been heard from for this long while something waits on it is stuck in
 * one synchronous call (a pathological type can make one cell's check run for minutes): it is
 * stopped, so that the other notebooks' analyses and requests, which share it, do not wait with
 * it. Far above any legitimate step: the host yields every 15 ms of checking, and the Worker
 * posts a heartbeat every HEARTBEAT_MS its event loop is free.
 */
const STUCK_MS = 10_000;
/** How often an idle-looped type Worker says it is alive (_types_worker.ts). */
const HEARTBEAT_MS = 1000;
/**
 * The type Worker's heap cap in MiB (config `type_check_memory_mb`). Checking a notebook's types
 * runs on text anyone who can edit a cell writes, and a few lines of mapped types over large
 * template-literal unions make the checker keep tens of MiB per cell: without a cap, 170 such cells
 * took the server to 4 GiB and 260 ended it with V8's fatal out-of-memory, for every user. With
 * one, V8 stops the Worker alone (ERR_WORKER_OUT_OF_MEMORY, or the Worker asks to be stopped:
 * _types_worker.ts) and the notebook it was working for is blamed, as for a stuck check. The
 * shared declarations and ten 100-cell notebooks' checkers take about 150 MiB; 1024 MiB slowed
 * completions under load (docs/architecture.md).
 */
const MEMORY_MB = 2048;

/** One notebook's language service in the type thread. Requests answer asynchronously. */
export interface TypeService {
  /** Replaces the notebook's saved cells. */
  update(cells: readonly VirtualCellInput[]): void;
  /** Checks the saved cells; null when a newer update or check replaced this one. */
  check(): Promise<CheckResult>;
  /**
   * Language requests on `source` (the cell's unsaved text). With its `analysis` (made on the
   * caller's thread), the thread loads no parser for it.
   */
  complete(
    cellId: string,
    source: string,
    offset: number,
    analysis?: CellAnalysis,
  ): Promise<CompletionResult>;
  hover(
    cellId: string,
    source: string,
    offset: number,
    analysis?: CellAnalysis,
  ): Promise<HoverResult>;
  definition(
    cellId: string,
    source: string,
    offset: number,
    analysis?: CellAnalysis,
  ): Promise<DefinitionResult | null>;
  /** Frees the service in the thread. */
  dispose(): void;
}

/** Options of openTypeService. */
export interface OpenTypeServiceOptions {
  npmCacheDir?: string;
  /**
   * The thread stopped under the service (a crash, a stuck check, or one that needed more than
   * the Worker's memory cap): it answers nothing more. `stuck` when this notebook's own request
   * was under way when the Worker was stopped for being stuck or out of memory (its check,
   * completion, hover or definition).
   */
  onLost(reason: string, stuck?: boolean): void;
}

type Pending = {
  resolve(v: unknown): void;
  reject(e: Error): void;
  /** The notebook whose check or language request this is (blamed if the Worker is stopped). */
  nb?: number;
};

/** What the Worker posts besides answers (_types_worker.ts). */
type WorkerNote = { alive: true } | { outOfMemory: true; nb: number } | { working: number };

/** Why a request failed: the Worker was stopped, stuck or out of memory, while on it. */
export class TypeThreadStuck extends Error {}

/** The Worker (or the in-process host) and what waits on it. */
class TypeThread {
  #worker: Worker | null = null;
  #host: TypesHost | null = null;
  #pending = new Map<number, Pending>();
  #lost = new Map<number, (reason: string, stuck?: boolean) => void>();
  #nextReq = 0;
  #idle: ReturnType<typeof setTimeout> | undefined;
  /** When the Worker last posted anything (an answer or a heartbeat). */
  #heard = performance.now();
  /** The notebook the Worker last said it works for (_types_host.ts `onWork`). */
  #workingFor: number | undefined;
  #watchdog: ReturnType<typeof setInterval> | undefined;

  /** A Worker (with its heap cap in MiB), or none: then the host runs on this thread. */
  constructor(worker: Worker | null, capMb = 0) {
    this.#worker = worker;
    if (!worker) this.#host = new TypesHost((r) => queueMicrotask(() => this.#answer(r)));
    // The Worker reached its heap cap: V8 ended it, or it says so (_types_worker.ts). The
    // notebooks it was working for are blamed.
    const outOfMemory = () =>
      void this.terminate(
        `the type checker was stopped: it needed more than its ${capMb} MiB of memory`,
        this.#working(),
      );
    worker?.on("message", (r: TypesReply | WorkerNote) => {
      this.#heard = performance.now();
      if ("req" in r) this.#answer(r);
      else if ("working" in r) this.#workingFor = r.working;
      else if ("outOfMemory" in r && this.#worker === worker) {
        this.#workingFor = r.nb;
        outOfMemory();
      }
    });
    worker?.on("error", (e: Error & { code?: string }) => {
      if (e.code === "ERR_WORKER_OUT_OF_MEMORY") outOfMemory();
      else this.#stopped(`the type checker failed: ${e.message}`);
    });
    worker?.on("exit", (code: number) => this.#stopped(`the type checker exited (${code})`));
    worker?.unref(); // a process with nothing else to do does not wait for it (a CLI command)
  }

  get kind(): "worker" | "in-process" {
    return this.#worker ? "worker" : "in-process";
  }

  /** Sends a request that has no answer. */
  send(m: TypesRequest): void {
    if (this.#worker) this.#worker.postMessage(m);
    else this.#host!.handle(m);
  }

  /** Sends a request and answers what the thread replies; `nb` names a notebook's request. */
  ask<T>(make: (req: number) => TypesRequest, nb?: number): Promise<T> {
    const req = ++this.#nextReq;
    const answer = new Promise<T>((resolve, reject) => {
      this.#pending.set(req, { resolve: resolve as (v: unknown) => void, reject, nb });
    });
    if (this.#pending.size === 1 && this.#worker) {
      this.#worker.ref(); // keep the process up for the answer
      this.#heard = performance.now(); // a Worker idle until now has had nothing to say
      this.#watch();
    }
    clearTimeout(this.#idle);
    this.send(make(req));
    return answer;
  }

  /** While something waits on the Worker, stops it when it has been silent for stuckMs. */
  #watch(): void {
    if (this.#watchdog !== undefined) return;
    this.#watchdog = setInterval(() => {
      if (this.#pending.size === 0 || !this.#worker) {
        clearInterval(this.#watchdog);
        this.#watchdog = undefined;
        return;
      }
      const silent = performance.now() - this.#heard;
      if (silent < stuckMs) return;
      void this.terminate(
        `the type checker was stopped: it answered nothing for ${Math.round(silent / 1000)} s`,
        this.#working(),
      );
    }, Math.max(50, Math.min(1000, stuckMs / 4)));
    Deno.unrefTimer(this.#watchdog as unknown as number);
  }

  /**
   * Who is blamed when the Worker is stopped: the notebook it last said it works for, if it waits
   * on it; else every notebook that waits on it.
   */
  #working(): Set<number> {
    const waiting = new Set([...this.#pending.values()].flatMap((p) => p.nb ?? []));
    const on = this.#workingFor;
    return on !== undefined && waiting.has(on) ? new Set([on]) : waiting;
  }

  opened(nb: number, onLost: (reason: string, stuck?: boolean) => void): void {
    this.#lost.set(nb, onLost);
  }

  closed(nb: number): void {
    if (this.#lost.delete(nb)) this.#idleCheck();
  }

  /** With no service open and nothing asked, the Worker stops after IDLE_MS. */
  #idleCheck(): void {
    clearTimeout(this.#idle);
    if (this.#lost.size > 0 || this.#pending.size > 0 || !this.#worker) return;
    this.#idle = setTimeout(() => {
      if (this.#lost.size > 0 || this.#pending.size > 0) return;
      if (thread === this) thread = undefined;
      void this.terminate();
    }, idleMs);
    Deno.unrefTimer(this.#idle as unknown as number);
  }

  /** Stops the Worker; its services report lost (`stuck`: those whose request it was on). */
  async terminate(reason = "the type checker was stopped", stuck?: Set<number>): Promise<void> {
    clearTimeout(this.#idle);
    const w = this.#worker;
    this.#worker = null;
    this.#stopped(reason, stuck);
    await w?.terminate();
  }

  #answer(r: TypesReply): void {
    const p = this.#pending.get(r.req);
    if (!p) return;
    this.#pending.delete(r.req);
    if (this.#pending.size === 0) {
      this.#worker?.unref();
      this.#idleCheck();
    }
    if (r.ok) p.resolve(r.value);
    else p.reject(new Error(r.error));
  }

  #stopped(reason: string, stuck?: Set<number>): void {
    if (thread === this) thread = undefined;
    clearTimeout(this.#idle);
    clearInterval(this.#watchdog);
    this.#watchdog = undefined;
    const pending = [...this.#pending.values()];
    const lost = [...this.#lost.entries()];
    this.#pending.clear();
    this.#lost.clear();
    for (const p of pending) p.reject(stuck ? new TypeThreadStuck(reason) : new Error(reason));
    for (const [nb, l] of lost) l(reason, stuck?.has(nb) ?? false);
  }
}

let thread: TypeThread | undefined;
let nextNotebook = 0;
let useWorker = true;
let idleMs = IDLE_MS;
let stuckMs = STUCK_MS;
let heartbeatMs = HEARTBEAT_MS;
let memoryMb = MEMORY_MB;

/**
 * Chooses where the services start (config `type_check_thread`): in a Worker (the default) or on
 * this thread, and how long an unused Worker lives. Applies to the next start; a running thread
 * of the other kind is stopped.
 */
export function configureTypeThread(
  options: {
    worker: boolean;
    idleMs?: number;
    stuckMs?: number;
    heartbeatMs?: number;
    memoryMb?: number;
  },
): void {
  useWorker = options.worker;
  idleMs = options.idleMs ?? IDLE_MS;
  stuckMs = options.stuckMs ?? STUCK_MS; // applies at once, also to a running Worker
  heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS; // applies to the next Worker
  memoryMb = options.memoryMb ?? MEMORY_MB; // applies to the next Worker
  if (thread && (thread.kind === "worker") !== useWorker) void stopTypeThread();
}

function startThread(): TypeThread {
  if (!useWorker) return new TypeThread(null);
  // The single-file build ships the Worker as types_worker.js beside strata.js.
  const bundled = import.meta.url.endsWith(".js");
  const url = new URL(bundled ? "./types_worker.js" : "./_types_worker.ts", import.meta.url);
  try {
    // The compiler's V8 code cache (a Worker's loads get none from Deno): issue 20.
    const workerData = { codeCache: typeScriptCodeCacheConfig(), heartbeatMs };
    const resourceLimits = { maxOldGenerationSizeMb: memoryMb };
    return new TypeThread(
      new Worker(url, { name: "strata-types", workerData, resourceLimits }),
      memoryMb,
    );
  } catch {
    return new TypeThread(null); // no Worker here: the services run on this thread, in slices
  }
}

/**
 * Builds a notebook's language service in the type thread (loading the compiler there on first
 * use); rejects when it cannot be built.
 */
export async function openTypeService(
  cells: readonly VirtualCellInput[],
  options: OpenTypeServiceOptions,
): Promise<TypeService> {
  const t = thread ??= startThread();
  const nb = ++nextNotebook;
  let open = true;
  t.opened(nb, (reason, stuck) => {
    open = false;
    options.onLost(reason, stuck);
  });
  try {
    await t.ask((req) => ({
      op: "open",
      req,
      nb,
      cells: [...cells],
      npmCacheDir: options.npmCacheDir,
    }));
  } catch (e) {
    t.send({ op: "dispose", nb });
    t.closed(nb);
    throw e;
  }
  // A request the thread cannot answer (closed, or it stopped) gets the empty answer.
  const request =
    <T>(op: "complete" | "hover" | "definition", empty: (offset: number) => T) =>
    (cellId: string, source: string, offset: number, analysis?: CellAnalysis): Promise<T> =>
      open
        ? t.ask<T>((req) => ({ op, req, nb, cellId, source, offset, analysis }), nb).catch(() =>
          empty(offset)
        )
        : Promise.resolve(empty(offset));
  return {
    update(cells) {
      if (open) t.send({ op: "update", nb, cells: [...cells] });
    },
    check() {
      return open
        ? t.ask<CheckResult>((req) => ({ op: "check", req, nb }), nb)
        : Promise.resolve(null);
    },
    complete: request<CompletionResult>("complete", (from) => ({ items: [], from })),
    hover: request<HoverResult>("hover", () => ({ text: null })),
    definition: request<DefinitionResult | null>("definition", () => null),
    dispose() {
      if (!open) return;
      open = false;
      t.send({ op: "dispose", nb });
      t.closed(nb);
    },
  };
}

/** Whether the type thread has loaded the compiler, and from its code cache (tests and benches). */
export function typeThreadCompiler(): Promise<CompilerInfo> {
  const t = thread ??= startThread();
  return t.ask<CompilerInfo>((req) => ({ op: "compiler", req }));
}

/** Where the services run now: a Worker, this thread, or nowhere yet (tests and benches ask). */
export function typeThreadKind(): "worker" | "in-process" | "none" {
  return thread?.kind ?? "none";
}

/** Stops the type thread (its services report lost; the next one starts it again). */
export async function stopTypeThread(): Promise<void> {
  const t = thread;
  thread = undefined;
  await t?.terminate();
}
