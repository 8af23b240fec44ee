/** Starts the reference worker: a local executor behind the worker app on Deno.serve. */
import { createExecutor } from "../executor/executor.ts";
import type { Logger } from "../log.ts";
import { nullLogger } from "../log.ts";
import { createWorkerApp } from "../http/worker_app.ts";

/** Options for runWorker. */
export interface RunWorkerOptions {
  /** Listen address. @default "127.0.0.1" */
  host?: string;
  /** Listen port (0 picks a free one). @default 8790 */
  port?: number;
  /** Bearer token clients must send (at least 16 characters). */
  token: string;
  /** Folder for the workspace and the children's scratch folders; created if missing. */
  scratchRoot: string;
  /** @default "worker" */
  name?: string;
  /** Idle children kept per permission set. @default 1 */
  poolSize?: number;
  /** Most executions at once. @default 4 */
  maxActive?: number;
  /** Labels shown on /health. @default [] */
  labels?: string[];
  /** Let jobs name absolute paths on this machine. @default false */
  hostPaths?: boolean;
  /** Environment of cell children (HOME or DENO_DIR lets them share Deno's cache). @default {} */
  childEnv?: Record<string, string>;
  /** @default the executor's harness.ts */
  harnessPath?: string;
  log?: Logger;
}

/** A running worker. */
export interface RunningWorker {
  /** e.g. http://127.0.0.1:8790 */
  url: string;
  addr: { hostname: string; port: number };
  /** Resolves once the server stopped and every child was killed. */
  finished: Promise<void>;
  /** Stops accepting requests, waits for in-flight ones, kills the children. */
  shutdown(): Promise<void>;
}

/** Starts a worker; resolves once it listens. */
export async function runWorker(options: RunWorkerOptions): Promise<RunningWorker> {
  const log = options.log ?? nullLogger();
  await Deno.mkdir(`${options.scratchRoot}/workspace`, { recursive: true });
  const root = await Deno.realPath(options.scratchRoot);
  const executor = createExecutor({
    scratchRoot: root,
    poolSize: options.poolSize,
    childEnv: options.childEnv,
    harnessPath: options.harnessPath,
    log: log.child({ component: "executor" }),
  });
  const app = createWorkerApp({
    executor,
    token: options.token,
    workspaceDir: `${root}/workspace`,
    name: options.name,
    capabilities: {
      maxActive: options.maxActive,
      labels: options.labels,
      hostPaths: options.hostPaths,
    },
    log,
  });
  const server = Deno.serve({
    hostname: options.host ?? "127.0.0.1",
    port: options.port ?? 8790,
    onListen() {},
  }, app.fetch);
  const addr = server.addr as Deno.NetAddr;
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  const finished = server.finished.then(() => executor.close());
  return {
    url: `http://${host}:${addr.port}`,
    addr: { hostname: addr.hostname, port: addr.port },
    finished,
    async shutdown() {
      await server.shutdown();
      await finished;
    },
  };
}
