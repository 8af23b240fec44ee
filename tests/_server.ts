// deno-lint-ignore-file no-explicit-any -- JSON answers of the API under test
// Test helper: runs the real server as `deno task start` does (launcher + permission-scoped process).
// The README's start command (`deno task start`) runs start.ts, the light launcher.
import { freePort } from "./_free_port.ts";

export { freePort };

const startTs = new URL("../start.ts", import.meta.url).pathname;

/** A running test server. */
export interface TestServer {
  url: string;
  port: number;
  dir: string;
  logs: () => string;
  /** Pid of the launcher process (the scoped server is its child). */
  pid: () => number;
  /** Stops the server (SIGTERM, graceful). */
  stop(): Promise<void>;
  /** Stops and starts again on the same port and folders. */
  restart(): Promise<void>;
  /** Stops and removes its folders. */
  close(): Promise<void>;
  /** fetch + JSON with the Host header the server expects. */
  api<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: T }>;
}

/** A server's stderr read up to its "Strata is ready" banner; the rest keeps being collected. */
export interface ServerLog {
  /** Everything read so far. */
  text: string;
  /** Resolves when stderr ends. */
  rest: Promise<void>;
}

/** Reads a spawned server's stderr until the ready banner; throws with the log if it exits first. */
export async function untilReady(child: Deno.ChildProcess, what = "server"): Promise<ServerLog> {
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  const out: ServerLog = { text: "", rest: Promise.resolve() };
  while (!out.text.includes("Strata is ready")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${what} exited before ready:\n${out.text}`);
    out.text += value;
  }
  out.rest = (async () => {
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      out.text += r.value;
    }
  })();
  return out;
}

/** Starts a server with its own data folders; `env` adds STRATA_* settings. */
export async function startServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dir = await Deno.makeTempDir({ prefix: "strata-test-" });
  const port = freePort();
  let child: Deno.ChildProcess | undefined;
  let stderr: ServerLog | undefined;

  async function start(): Promise<void> {
    stderr = undefined;
    child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--node-modules-dir=manual",
        "--allow-read",
        "--allow-env",
        "--allow-run",
        startTs,
      ],
      env: {
        PATH: Deno.env.get("PATH") ?? "",
        HOME: Deno.env.get("HOME") ?? dir,
        STRATA_DATA_DIR: `${dir}/data`,
        STRATA_NOTEBOOK_STORAGE_DIR: `${dir}/notebooks`,
        STRATA_PORT: String(port),
        STRATA_EXECUTOR_POOL_SIZE: "1",
        NO_COLOR: "1",
        ...env,
      },
      clearEnv: true,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    stderr = await untilReady(child);
  }

  async function stop(): Promise<void> {
    if (!child) return;
    try {
      child.kill("SIGTERM");
    } catch { /* gone */ }
    await child.status;
    await stderr?.rest;
    child = undefined;
  }

  await start();
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    dir,
    logs: () => stderr?.text ?? "",
    pid: () => child?.pid ?? 0,
    stop,
    async restart() {
      await stop();
      await start();
    },
    async close() {
      await stop();
      await Deno.remove(dir, { recursive: true });
    },
    async api(method, path, body, headers = {}) {
      const res = await fetch(url + path, {
        method,
        headers: { "content-type": "application/json", ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch { /* not JSON */ }
      return { status: res.status, body: parsed as any };
    },
  };
}
