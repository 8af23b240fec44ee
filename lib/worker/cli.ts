/**
 * `strata worker`: reads the worker's settings from flags and STRATA_WORKER_* variables, re-runs
 * itself under the worker's own narrow permissions (unless already in-process), then serves.
 */
import { importOptional } from "../optional_import.ts";
import { cellEnvFrom, DEFAULT_CELL_ENV_PASSTHROUGH } from "../config/cell_env.ts";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { KILL_PATH } from "../executor/child.ts";
import { waitForwardingSignals } from "../launcher/launch.ts";
import { createLogger } from "../log.ts";
import { WORKER_ENV, workerPermissionFlags } from "./permissions.ts";
import { childDenoDir } from "../executor/deno_dir.ts";
import { runWorker } from "./run.ts";
import { natsAddress } from "../cluster/cluster_config.ts"; // issue 21

/** Usage text of `strata worker`. */
export const WORKER_USAGE = `Usage: strata worker [options]

Runs cells sent by Strata servers: pulled from NATS JetStream (--nats), or sent over HTTP to
one machine (docs/worker-protocol.md).

Options (each also read from the environment variable shown):
  --host <addr>        listen address            STRATA_WORKER_HOST       (default 127.0.0.1)
  --port <n>           listen port (0 = any)     STRATA_WORKER_PORT       (default 8790)
  --name <name>        name shown on /health     STRATA_WORKER_NAME       (default worker)
  --scratch-dir <dir>  workspace + child scratch STRATA_WORKER_SCRATCH_DIR (default ~/.strata/worker)
  --pool-size <n>      warm children per key     STRATA_WORKER_POOL_SIZE  (default 1)
  --max-active <n>     concurrent executions     STRATA_WORKER_MAX_ACTIVE (default 4)
  --label <l>          capability label (repeat) STRATA_WORKER_LABELS     (comma-separated)
  --allow-host-paths   let jobs read/write absolute paths here  STRATA_WORKER_ALLOW_HOST_PATHS=true
  --in-process         do not re-run under the worker's permission set
  --nats <url,...>     pull jobs from NATS (no HTTP listener) STRATA_WORKER_NATS_URL
HTTP: the bearer token is read only from STRATA_WORKER_TOKEN (at least 16 characters).
NATS: the NATS auth token, if the server wants one, only from STRATA_NATS_TOKEN.
`;

/** What the CLI needs from its entry point. */
export interface WorkerCliContext {
  env: Record<string, string | undefined>;
  /** The entry module (Deno.mainModule), re-run under narrow permissions. */
  mainModule: string;
  /** Arguments placed before the worker's own when re-running (e.g. ["worker"] for main.ts). */
  commandArgs?: string[];
  /** Folder of the code and node_modules. @default the entry module's folder */
  codeRoot?: string;
}

/** Settings after flags and environment are merged. */
interface WorkerSettings {
  host: string;
  port: number;
  name: string;
  scratchRoot: string;
  poolSize: number;
  maxActive: number;
  labels: string[];
  hostPaths: boolean;
  inProcess: boolean;
  token: string;
  /** NATS servers (issue 21); absent: the HTTP worker. */
  nats?: string[];
}

/** Runs `strata worker`; resolves to the exit code (2 for bad usage). */
export async function workerCli(args: string[], ctx: WorkerCliContext): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(WORKER_USAGE);
    return 0;
  }
  let s: WorkerSettings;
  try {
    s = readSettings(args, ctx.env);
  } catch (err) {
    console.error(`strata worker: ${(err as Error).message}\n\n${WORKER_USAGE}`);
    return 2;
  }
  if (!s.inProcess) return await relaunch(args, s, ctx);
  const log = createLogger({ level: "info" }, { component: "worker" });
  const childEnv = cellEnvFrom(ctx.env, DEFAULT_CELL_ENV_PASSTHROUGH);
  if (s.nats) { // issue 21: pull from NATS instead of listening
    const { runNatsWorkerProcess } = await importOptional<
      typeof import("../cluster/worker_process.ts")
    >("strata:nats-worker");
    return await runNatsWorkerProcess({
      ...s,
      servers: s.nats,
      token: ctx.env.STRATA_NATS_TOKEN,
      launcherPid: Number(ctx.env.STRATA_WORKER_LAUNCHER_PID) || undefined,
      childEnv,
      log,
    });
  }
  const worker = await runWorker({ ...s, childEnv, log });
  log.info("Strata worker is ready", { url: worker.url, name: s.name, scratch: s.scratchRoot });
  const stop = () => void worker.shutdown();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  await worker.finished;
  log.info("worker stopped");
  return 0;
}

function readSettings(args: string[], env: Record<string, string | undefined>): WorkerSettings {
  const { values } = parseArgs({
    args,
    options: {
      host: { type: "string" },
      port: { type: "string" },
      name: { type: "string" },
      "scratch-dir": { type: "string" },
      "pool-size": { type: "string" },
      "max-active": { type: "string" },
      label: { type: "string", multiple: true },
      "allow-host-paths": { type: "boolean" },
      "in-process": { type: "boolean" },
      nats: { type: "string" },
    },
    strict: true,
  });
  const token = env.STRATA_WORKER_TOKEN ?? "";
  const natsUrl = values.nats ?? env.STRATA_WORKER_NATS_URL;
  const nats = natsUrl?.split(",").map((u) => u.trim()).filter(Boolean);
  const bad = nats?.find((u) => !natsAddress(u));
  if (nats && (nats.length === 0 || bad !== undefined)) {
    throw new Error(`--nats must be nats://host:port (comma-separated), got '${natsUrl}'`);
  }
  if (!nats && token.length < 16) {
    throw new Error("STRATA_WORKER_TOKEN must be set to at least 16 characters");
  }
  const int = (flag: string, raw: string | undefined, fallback: number, min: number) => {
    if (raw === undefined || raw === "") return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) {
      throw new Error(`${flag} must be an integer >= ${min}, got '${raw}'`);
    }
    return n;
  };
  const home = env.HOME ?? "/tmp";
  return {
    host: values.host ?? env.STRATA_WORKER_HOST ?? "127.0.0.1",
    port: int("--port", values.port ?? env.STRATA_WORKER_PORT, 8790, 0),
    name: values.name ?? env.STRATA_WORKER_NAME ?? "worker",
    scratchRoot: values["scratch-dir"] ?? env.STRATA_WORKER_SCRATCH_DIR ?? `${home}/.strata/worker`,
    poolSize: int("--pool-size", values["pool-size"] ?? env.STRATA_WORKER_POOL_SIZE, 1, 0),
    maxActive: int("--max-active", values["max-active"] ?? env.STRATA_WORKER_MAX_ACTIVE, 4, 1),
    labels: values.label ??
      (env.STRATA_WORKER_LABELS ?? "").split(",").map((l) => l.trim()).filter(Boolean),
    hostPaths: values["allow-host-paths"] ?? env.STRATA_WORKER_ALLOW_HOST_PATHS === "true",
    inProcess: values["in-process"] ?? env.STRATA_IN_PROCESS === "1",
    token,
    nats,
  };
}

async function relaunch(args: string[], s: WorkerSettings, ctx: WorkerCliContext): Promise<number> {
  const mainPath = new URL(ctx.mainModule).pathname;
  // The launcher may not write (it runs with read/env/run only); the worker creates the folder.
  const scratchRoot = resolve(s.scratchRoot);
  const flags = workerPermissionFlags({
    host: s.host,
    port: s.port,
    scratchRoot,
    codeRoot: ctx.codeRoot ?? mainPath.slice(0, mainPath.lastIndexOf("/")),
    denoPath: Deno.execPath(),
    killPath: KILL_PATH,
    net: s.nats?.map((u) => natsAddress(u)!), // issue 21: exactly the NATS address(es)
    denoDir: childDenoDir(cellEnvFrom(ctx.env, DEFAULT_CELL_ENV_PASSTHROUGH), scratchRoot),
  });
  const env: Record<string, string> = { STRATA_IN_PROCESS: "1" };
  for (const [k, v] of Object.entries(ctx.env)) {
    if (
      v !== undefined &&
      WORKER_ENV.some((p) => (p.endsWith("*") ? k.startsWith(p.slice(0, -1)) : k === p))
    ) {
      env[k] = v;
    }
  }
  env.STRATA_WORKER_SCRATCH_DIR = scratchRoot;
  // Issue 21: the scoped worker ends itself when this launcher dies (SIGKILL cannot be forwarded).
  env.STRATA_WORKER_LAUNCHER_PID = String(Deno.pid);
  env.STRATA_ENV_NAMES = Object.keys(env).join(",");
  const child = new Deno.Command(Deno.execPath(), {
    // Without the flag, request.signal also aborts after every successful response (Deno 2.9).
    args: [
      "run",
      "--no-prompt",
      "--unstable-no-legacy-abort",
      ...flags,
      mainPath,
      ...(ctx.commandArgs ?? []),
      ...args,
    ],
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  return await waitForwardingSignals(child);
}
