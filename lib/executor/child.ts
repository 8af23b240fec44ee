/**
 * One cell child process: `deno run` of the harness with a cell's permissions, started as a
 * process-group leader (`detached`) so that killing `-pid` also ends anything the cell spawned.
 */

import { serialize } from "node:v8";
import { type ChildMessage, FrameReader } from "./protocol.ts";

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
}

/** Raw output of the child outside result frames. */
export type RawOutputHandler = (stream: "stdout" | "stderr", text: string) => void;

const STDERR_TAIL = 16_384;

/** kill(1), used when Deno.kill is not permitted. */
export const KILL_PATH = ["/usr/bin/kill", "/bin/kill"].find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
}) ?? "kill";

/** A started child waiting for its one message. */
export class CellChild {
  readonly pid: number;
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

  constructor(options: ChildSpawnOptions) {
    const args = [
      "run",
      "--no-config",
      "--no-prompt",
      `--v8-flags=--max-old-space-size=${options.memoryMb}`,
      ...options.flags,
      options.harnessPath,
      options.scratchDir,
    ];
    this.#proc = new Deno.Command(options.denoPath, {
      args,
      cwd: options.cwd,
      clearEnv: true,
      env: options.env,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      detached: true,
    }).spawn();
    this.pid = this.#proc.pid;
    this.scratchDir = options.scratchDir;
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

  /** Sends the child its one message and closes its stdin. */
  async send(message: ChildMessage): Promise<void> {
    this.#reader.expect(message.nonce);
    const writer = this.#proc.stdin.getWriter();
    try {
      await writer.write(new Uint8Array(serialize(message)));
      await writer.close();
    } catch {
      // The child died before reading; the caller sees the end of its frames and its status.
    }
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
   */
  kill(): void {
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
