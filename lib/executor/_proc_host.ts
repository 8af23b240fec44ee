/**
 * Where cell child processes are started, written to, read from and killed. Starting a child as a
 * process-group leader (`detached`) makes Deno fork the whole server process (no posix_spawn):
 * ≈12 ms of synchronous CPU on a quiet machine, 25–40 ms on a loaded one, once per replacement
 * child. `threadHost()` does that — and every pipe read, write and kill — on a thread of its own
 * (`_proc_thread.ts`, a Worker), so the server's event loop never runs `op_spawn_child`; the
 * Worker only relays bytes. `inlineHost()` is the same on the calling thread (used when no Worker
 * can start, e.g. a single-file build without the thread's module).
 *
 * Either way the process is the same: same program, arguments, permissions, uid/gid, cleared
 * environment and process group; only which thread of the server owns its pipes differs.
 */

import { KILL_PATH } from "./_kill_path.ts";

/** How to start one process. */
export interface ProcSpec {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  uid?: number;
  gid?: number;
  /** A fresh folder (mode 0700, given to uid/gid) to create before starting. */
  mkdir?: string;
}

/** Exit status as Deno reports it. */
export type ProcStatus = Deno.CommandStatus;

/** One started (or starting) process. */
export interface Proc {
  /** Resolves with the pid once started (rejects if it could not start). */
  readonly pid: Promise<number>;
  readonly status: Promise<ProcStatus>;
  readonly stdout: AsyncIterable<Uint8Array>;
  readonly stderr: AsyncIterable<Uint8Array>;
  /** Writes to stdin (stdin stays open); the bytes are handed over (do not reuse them). */
  write(bytes: Uint8Array): Promise<void>;
  /** Closes stdin. */
  closeStdin(): Promise<void>;
  /** SIGKILLs the whole process group (falls back to kill(1), then to the leader). */
  killGroup(): void;
}

/** Starts processes. */
export interface ProcHost {
  spawn(spec: ProcSpec): Proc;
  close(): void;
}

/** A queue of chunks read as an async iterable. */
class Chunks implements AsyncIterable<Uint8Array> {
  #items: Uint8Array[] = [];
  #done = false;
  #wake: (() => void) | undefined;

  push(c: Uint8Array): void {
    this.#items.push(c);
    this.#wake?.();
  }

  end(): void {
    this.#done = true;
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    while (true) {
      const c = this.#items.shift();
      if (c) {
        yield c;
        continue;
      }
      if (this.#done) return;
      await new Promise<void>((r) => this.#wake = r);
      this.#wake = undefined;
    }
  }
}

/** SIGKILLs a process group; `Deno.kill` needs unrestricted --allow-run, else kill(1). */
export function killGroup(pid: number, leader?: Deno.ChildProcess): void {
  try {
    Deno.kill(-pid, "SIGKILL");
    return;
  } catch (err) {
    if (!(err instanceof Deno.errors.NotCapable)) return; // already gone
  }
  try {
    new Deno.Command(KILL_PATH, {
      args: ["-KILL", "--", `-${pid}`],
      stdout: "null",
      stderr: "null",
    }).spawn();
  } catch { /* not allowed either: at least end the leader below */ }
  try {
    leader?.kill("SIGKILL");
  } catch { /* already gone */ }
}

/** Starts a process on the calling thread (the same `Deno.Command` the thread host uses). */
export function spawnInline(spec: ProcSpec): Deno.ChildProcess {
  if (spec.mkdir) {
    Deno.mkdirSync(spec.mkdir, { mode: 0o700 });
    if (spec.uid !== undefined) Deno.chownSync(spec.mkdir, spec.uid, spec.gid ?? null);
  }
  return new Deno.Command(spec.command, {
    args: spec.args,
    cwd: spec.cwd,
    clearEnv: true,
    env: spec.env,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    detached: true,
    ...(spec.uid !== undefined ? { uid: spec.uid, gid: spec.gid } : {}),
  }).spawn();
}

/** Processes owned by the calling thread. */
export function inlineHost(): ProcHost {
  return {
    spawn(spec) {
      const p = spawnInline(spec);
      const writer = p.stdin.getWriter();
      return {
        pid: Promise.resolve(p.pid),
        status: p.status,
        stdout: p.stdout,
        stderr: p.stderr,
        write: (bytes) => writer.write(bytes),
        closeStdin: () => writer.close().catch(() => {}),
        killGroup: () => killGroup(p.pid, p),
      };
    },
    close() {},
  };
}

/** Thread → server messages. */
export type ThreadReport =
  | { t: "spawned"; id: number; pid: number }
  | { t: "failed"; id: number; message: string }
  | { t: "out" | "err"; id: number; chunk: Uint8Array }
  | { t: "out-end" | "err-end"; id: number }
  | { t: "exit"; id: number; status: ProcStatus };

/** Server → thread messages. */
export type ThreadRequest =
  | { t: "spawn"; id: number; spec: ProcSpec }
  | { t: "write"; id: number; bytes: Uint8Array }
  | { t: "close-stdin"; id: number }
  | { t: "kill"; id: number };

interface Remote {
  pid: { resolve: (p: number) => void; reject: (e: Error) => void };
  status: (s: ProcStatus) => void;
  out: Chunks;
  err: Chunks;
  /** exit, out-end and err-end still to come; forgotten at 0. */
  pending: number;
}

/**
 * Processes owned by a Worker thread. Returns undefined when the Worker cannot start (missing
 * module in a single-file build, or no permission to start Workers).
 */
export function threadHost(): ProcHost | undefined {
  const bundled = import.meta.url.endsWith(".js");
  const url = new URL(bundled ? "./proc_thread.js" : "./_proc_thread.ts", import.meta.url);
  if (bundled) {
    try {
      Deno.statSync(url);
    } catch {
      return undefined;
    }
  }
  let worker: Worker;
  try {
    worker = new Worker(url, { type: "module", name: "cell-processes" });
  } catch {
    return undefined;
  }
  const procs = new Map<number, Remote>();
  let nextId = 0;
  let closed = false;
  const gone = (id: number, message: string) => {
    const r = procs.get(id);
    if (!r) return;
    procs.delete(id);
    r.pid.reject(new Error(message));
    r.out.end();
    r.err.end();
    r.status({ success: false, code: 127, signal: null });
  };
  worker.onmessage = (e: MessageEvent<ThreadReport>) => {
    const m = e.data;
    const r = procs.get(m.id);
    if (!r) return;
    switch (m.t) {
      case "spawned":
        r.pid.resolve(m.pid);
        break;
      case "failed":
        gone(m.id, m.message);
        break;
      case "out":
        r.out.push(m.chunk);
        break;
      case "err":
        r.err.push(m.chunk);
        break;
      case "out-end":
        r.out.end();
        if (--r.pending === 0) procs.delete(m.id);
        break;
      case "err-end":
        r.err.end();
        if (--r.pending === 0) procs.delete(m.id);
        break;
      case "exit":
        r.status(m.status);
        if (--r.pending === 0) procs.delete(m.id);
        break;
    }
  };
  worker.onerror = (e) => {
    e.preventDefault();
    closed = true;
    for (const id of [...procs.keys()]) gone(id, `the cell process thread failed: ${e.message}`);
  };
  const post = (req: ThreadRequest, transfer: Transferable[] = []) => {
    if (!closed) worker.postMessage(req, transfer);
  };
  return {
    spawn(spec) {
      const id = ++nextId;
      let pidResolve!: (p: number) => void;
      let pidReject!: (e: Error) => void;
      const pid = new Promise<number>((res, rej) => (pidResolve = res, pidReject = rej));
      pid.catch(() => {}); // the status says the process never ran
      let statusResolve!: (s: ProcStatus) => void;
      const status = new Promise<ProcStatus>((res) => statusResolve = res);
      const r: Remote = {
        pid: { resolve: pidResolve, reject: pidReject },
        status: statusResolve,
        out: new Chunks(),
        err: new Chunks(),
        pending: 3,
      };
      procs.set(id, r);
      if (closed) gone(id, "the cell process thread is closed");
      else post({ t: "spawn", id, spec });
      return {
        pid,
        status,
        stdout: r.out,
        stderr: r.err,
        write(bytes) {
          if (!procs.has(id)) return Promise.reject(new Error("the process is gone"));
          // Not awaited across the thread (one more hop per run): a child that dies before
          // reading shows as the end of its frames and its status, as with an inline write.
          const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
          post({ t: "write", id, bytes }, whole ? [bytes.buffer as ArrayBuffer] : []);
          return Promise.resolve();
        },
        closeStdin: () => {
          post({ t: "close-stdin", id });
          return Promise.resolve();
        },
        killGroup: () => post({ t: "kill", id }),
      };
    },
    close() {
      closed = true;
      worker.terminate();
      for (const id of [...procs.keys()]) gone(id, "the cell process thread is closed");
    },
  };
}
