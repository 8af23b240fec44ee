// deno-lint-ignore-file no-explicit-any -- JSON answers of the API under test
// Test helper: runs the real server as `deno task start` does (launcher + permission-scoped process).
// The README's start command (`deno task start`) runs start.ts, the light launcher.
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

/** Picks a free loopback port. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Starts a server with its own data folders; `env` adds STRATA_* settings. */
export async function startServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dir = await Deno.makeTempDir({ prefix: "strata-test-" });
  const port = freePort();
  let child: Deno.ChildProcess | undefined;
  let log = "";
  let exited: Promise<unknown> = Promise.resolve();

  async function start(): Promise<void> {
    log = "";
    child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "--allow-env", "--allow-run", startTs],
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
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    while (!log.includes("Strata is ready")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`server exited before ready:\n${log}`);
      log += value;
    }
    exited = (async () => {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        log += value;
      }
    })();
  }

  async function stop(): Promise<void> {
    if (!child) return;
    try {
      child.kill("SIGTERM");
    } catch { /* gone */ }
    await child.status;
    await exited;
    child = undefined;
  }

  await start();
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    dir,
    logs: () => log,
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
