/**
 * One cell child process: `deno run` of the harness with a cell's permissions. A child that may
 * start processes of its own (`--allow-run`, `--allow-ffi`, `--allow-all`) is started as a
 * process-group leader (`detached`) so that killing `-pid` also ends anything the cell spawned.
 * Any other child cannot start a process, so it is one process and is started without a group:
 * Deno forks the whole server to create a group leader (27–33 ms from a 370 MB server, on the event
 * loop) where a plain spawn takes 2–6 ms (issue 20).
 *
 * A child runs at a lower CPU priority than the server (`nice`, 10 by default): while many cells
 * start at once, their processes then wait for the CPU, not the server's event loop (issue 20).
 */

import { setPriority } from "node:os";
import { serialize } from "node:v8";
import { basename, dirname, join } from "node:path";
import {
  type ChildMessage,
  encodeMessage,
  type FileValue,
  FrameReader,
  isFileValue,
  LARGE_VALUE_BYTES,
  type WireValue,
} from "./protocol.ts";
import type { EncodedValue } from "./types.ts";
import { readFileChunked, writeFileChunked } from "../chunked_io.ts";

/** How to start a child. */
export interface ChildSpawnOptions {
  denoPath: string;
  harnessPath: string;
  scratchDir: string;
  /** Permission flags (buildPermissionFlags). */
  flags: string[];
  memoryMb: number;
  cwd: string;
  /** The child's whole environment (the server's is not inherited). */
  env: Record<string, string>;
  /** Run the child as this user (the server must be root); the scratch folder is chowned to it. */
  runAs?: { uid: number; gid: number };
  /** Nice value the child runs at (see lowerPriority); 0 leaves it at the server's. @default 0 */
  nice?: number;
}

/** Raw output of the child outside result frames. */
export type RawOutputHandler = (stream: "stdout" | "stderr", text: string) => void;

const STDERR_TAIL = 16_384;

/**
 * Whether a child started with these permission flags could start processes of its own, so that
 * it must lead a process group. Without run, ffi or all, Deno gives a program no way to start a
 * process (`Deno.Command`, `node:child_process` and `Deno.dlopen` all need one of them).
 */
export function needsProcessGroup(flags: readonly string[]): boolean {
  return flags.some((f) => f === "-A" || /^--allow-(run|ffi|all)(=|$)/.test(f));
}

/** Nice value of cell children unless the executor is told otherwise (see lowerPriority). */
export const CHILD_NICE = 10;

let reniceAllowed: boolean | undefined;

/**
 * Lowers a just started child's CPU priority to `nice` (setpriority(2) on its main thread, which
 * then hands the value to every thread it starts: the runner Worker, V8's and Deno's own). A cell
 * process cannot raise it again without CAP_SYS_NICE, and nothing else about the child changes.
 * Not airtight: threads V8 and Deno start in the child's first milliseconds, before this call
 * lands, keep the server's value (measured: none of 162 on a quiet machine, some under a CPU
 * hog); the cell's own thread (the runner Worker, started by the harness) always inherits it.
 * With 20 sessions running cells on 2 cores, each run starting a child (≈100–130 ms of CPU), the
 * server's thread was runnable but waiting for a CPU ~90 % of the time (docs/performance.md, "p99").
 * Needs the server's `--allow-sys=setPriority`; without it children keep the server's priority.
 * Returns whether the priority was set.
 */
export function lowerPriority(pid: number, nice: number): boolean {
  if (!(nice > 0)) return false;
  reniceAllowed ??= Deno.permissions.querySync({ name: "sys", kind: "setPriority" }).state ===
    "granted";
  if (!reniceAllowed) return false;
  try {
    setPriority(pid, Math.min(19, Math.round(nice)));
    return true;
  } catch {
    return false; // the child is already gone
  }
}

/** kill(1), used when Deno.kill is not permitted. */
export const KILL_PATH = ["/usr/bin/kill", "/bin/kill"].find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
}) ?? "kill";

/**
 * The modules the harness Worker loads: the child must be able to read them (only them, not the
 * folder). The single-file build has one harness.js.
 */
export function harnessFiles(harnessPath: string): string[] {
  if (harnessPath.endsWith(".js")) return [harnessPath];
  const dir = dirname(harnessPath);
  const own = ["harness.ts", "_runner.ts", "_supervisor.ts", "protocol.ts", "codecs.ts"];
  // Widgets (issue 16): the runner's `ui` global and the spec checks it shares with the server.
  const widgets = ["../widgets/ui_child.ts", "../protocol/widget.ts"];
  const outputs = ["_dom.ts", "_table_source.ts", "_variables.ts"]; // issue 16: outputs helper
  return [...own, "display.ts", ...widgets, ...outputs].map((f) => join(dir, f));
}

function withHarnessRead(flags: string[], harnessPath: string): string[] {
  const files = harnessFiles(harnessPath).join(",");
  let found = false;
  const out = flags.map((f) => {
    if (f === "--allow-read") return (found = true, f);
    if (!f.startsWith("--allow-read=")) return f;
    found = true;
    return `${f},${files}`;
  });
  return found ? out : [...out, `--allow-read=${files}`];
}

/**
 * Reads a value file a child announced. The file is first moved out of the child's reach (a
 * rename moves a symlink itself, never its target), then must be a plain, singly linked file of
 * the announced size: a symlink or hard link planted by the cell is refused, never followed.
 */
export async function takeValueFile(scratchDir: string, v: FileValue): Promise<EncodedValue> {
  if (!/^value-[0-9a-f-]+\.bin$/.test(v.file)) {
    throw new Error(`the child named an invalid value file '${v.file}'`);
  }
  const taken = join(dirname(scratchDir), `taken-${basename(scratchDir)}-${v.file}`);
  await Deno.rename(join(scratchDir, v.file), taken);
  try {
    const st = await Deno.lstat(taken);
    if (!st.isFile || st.nlink !== 1 || st.size !== v.size) {
      throw new Error(`the value file for '${v.name}' is not the plain file the child announced`);
    }
    return { name: v.name, codec: v.codec, bytes: await readFileChunked(taken) };
  } finally {
    await Deno.remove(taken).catch(() => {});
  }
}

/** A started child waiting for its one message. */
export class CellChild {
  readonly pid: number;
  /** When the child was started (performance.now()). */
  readonly startedAt = performance.now();
  readonly scratchDir: string;
  readonly status: Promise<Deno.CommandStatus>;
  #proc: Deno.ChildProcess;
  #reader = new FrameReader();
  #frames: Uint8Array[] = [];
  #waiters: ((f: Uint8Array | undefined) => void)[] = [];
  #ended = false;
  #exited = false;
  #streamsDone: Promise<unknown>;
  #onRaw: RawOutputHandler | undefined;
  #stderrTail = "";
  #disposed: Promise<Deno.CommandStatus> | undefined;
  #writer: WritableStreamDefaultWriter<Uint8Array> | undefined;
  #runAs: { uid: number; gid: number } | undefined;
  /** Whether the child leads a process group (see needsProcessGroup). */
  readonly group: boolean;

  constructor(options: ChildSpawnOptions) {
    const args = [
      "run",
      "--no-config",
      "--no-prompt",
      `--v8-flags=--max-old-space-size=${options.memoryMb}`,
      ...withHarnessRead(options.flags, options.harnessPath),
      options.harnessPath,
      options.scratchDir,
    ];
    this.#proc = new Deno.Command(options.denoPath, {
      args,
      cwd: options.cwd,
      clearEnv: true,
      // Deno's own update check (a DNS query and a TLS handshake to its release host, from the
      // cell's process, outside the cell's permissions) has no place in a cell run (issue 20).
      env: { ...options.env, DENO_NO_UPDATE_CHECK: "1" },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      detached: needsProcessGroup(options.flags),
      ...(options.runAs ? { uid: options.runAs.uid, gid: options.runAs.gid } : {}),
    }).spawn();
    this.pid = this.#proc.pid;
    // At once: threads the child starts from now on inherit the value.
    if (options.nice) lowerPriority(this.pid, options.nice);
    this.group = needsProcessGroup(options.flags);
    this.scratchDir = options.scratchDir;
    this.#runAs = options.runAs;
    this.status = this.#proc.status.then((s) => {
      this.#exited = true;
      return s;
    });
    this.#streamsDone = Promise.all([this.#readStdout(), this.#readStderr()]);
  }

  /** Whether the process is still running. */
  get alive(): boolean {
    return !this.#exited;
  }

  /** The last part of what the child wrote to stderr (for OOM and crash reports). */
  get stderrTail(): string {
    return this.#stderrTail;
  }

  /** Routes output the child writes outside result frames. */
  onRaw(handler: RawOutputHandler | undefined): void {
    this.#onRaw = handler;
  }

  /**
   * Sends the child its one message. Large inputs go as files in its scratch folder. Stdin stays
   * open: the child ends itself when it closes (the server went away).
   */
  async send(message: ChildMessage): Promise<void> {
    this.#reader.expect(message.nonce);
    const jobs = [];
    for (const job of message.jobs) {
      const inputs: WireValue[] = [];
      for (const v of job.inputs) inputs.push(await this.#spillInput(v));
      jobs.push({ ...job, inputs });
    }
    this.#writer = this.#proc.stdin.getWriter();
    try {
      await this.#writer.write(encodeMessage(new Uint8Array(serialize({ ...message, jobs }))));
    } catch {
      // The child died before reading; the caller sees the end of its frames and its status.
    }
  }

  /**
   * Turns a result's outputs into values with bytes, reading large ones from the file the child
   * named. The file is first moved out of the child's reach, then must be a plain file of the
   * announced size: a symlink or hard link planted by the cell is refused, never followed.
   */
  async loadOutputs(outputs: WireValue[]): Promise<EncodedValue[]> {
    const loaded: EncodedValue[] = [];
    for (const v of outputs) {
      loaded.push(isFileValue(v) ? await takeValueFile(this.scratchDir, v) : v);
    }
    return loaded;
  }

  async #spillInput(v: WireValue): Promise<WireValue> {
    if (isFileValue(v) || v.bytes.length <= LARGE_VALUE_BYTES) return v;
    const file = `input-${crypto.randomUUID()}.bin`;
    const path = join(this.scratchDir, file);
    await writeFileChunked(path, v.bytes, { mode: 0o600 });
    // The child may run as another user (and the server under umask 027): hand the file over.
    if (this.#runAs) await Deno.chown(path, this.#runAs.uid, this.#runAs.gid);
    return { name: v.name, codec: v.codec, file, size: v.bytes.length };
  }

  /** The next result frame, or undefined once the child's stdout ended. */
  nextFrame(): Promise<Uint8Array | undefined> {
    const f = this.#frames.shift();
    if (f) return Promise.resolve(f);
    if (this.#ended) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /**
   * Kills the child's whole process group at once. `Deno.kill` needs unrestricted --allow-run;
   * the permission-scoped server has only `--allow-run=<deno>,<kill>`, so it falls back to kill(1).
   * A child without a group is one process: its own handle ends it, with no kill(1) to start.
   */
  kill(): void {
    if (!this.group) {
      try {
        this.#proc.kill("SIGKILL");
      } catch { /* already gone */ }
      return;
    }
    try {
      Deno.kill(-this.pid, "SIGKILL");
      return;
    } catch (err) {
      if (!(err instanceof Deno.errors.NotCapable)) return; // already gone
    }
    try {
      new Deno.Command(KILL_PATH, {
        args: ["-KILL", "--", `-${this.pid}`],
        stdout: "null",
        stderr: "null",
      })
        .spawn();
    } catch { /* not allowed either: at least end the leader below */ }
    try {
      this.#proc.kill("SIGKILL");
    } catch { /* already gone */ }
  }

  /** Kills the group, waits for the process and its pipes, removes the scratch folder. */
  dispose(): Promise<Deno.CommandStatus> {
    this.#disposed ??= (async () => {
      this.kill();
      const status = await this.status;
      await this.#writer?.close().catch(() => {});
      if (!this.#writer) await this.#proc.stdin.close().catch(() => {});
      await this.#streamsDone;
      await Deno.remove(this.scratchDir, { recursive: true }).catch(() => {});
      return status;
    })();
    return this.#disposed;
  }

  async #readStdout(): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of this.#proc.stdout) {
      const { raw, frames } = this.#reader.push(chunk);
      if (raw.length > 0) this.#onRaw?.("stdout", decoder.decode(raw, { stream: true }));
      for (const f of frames) {
        const w = this.#waiters.shift();
        if (w) w(f);
        else this.#frames.push(f);
      }
    }
    this.#ended = true;
    for (const w of this.#waiters.splice(0)) w(undefined);
  }

  async #readStderr(): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of this.#proc.stderr) {
      const text = decoder.decode(chunk, { stream: true });
      this.#stderrTail = (this.#stderrTail + text).slice(-STDERR_TAIL);
      this.#onRaw?.("stderr", text);
    }
  }
}
