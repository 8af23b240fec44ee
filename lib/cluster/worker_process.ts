/**
 * `strata worker --nats <url>` once running under its narrow permissions: connects to NATS,
 * builds the warm-pool executor and pulls jobs until SIGINT/SIGTERM, then lets running jobs
 * finish (a job it never acknowledges goes to another worker anyway).
 */
import { createExecutor } from "../executor/executor.ts";
import type { Logger } from "../log.ts";
import { connectNats } from "./jetstream.ts";
import { startNatsWorker } from "./nats_worker.ts";
import { DEFAULT_NAMES } from "./protocol.ts";

/** Settings of a NATS worker process. */
export interface NatsWorkerProcessOptions {
  servers: string[];
  token?: string;
  name: string;
  scratchRoot: string;
  poolSize: number;
  maxActive: number;
  hostPaths: boolean;
  childEnv: Record<string, string>;
  /**
   * Pid of the launcher that relaunched this process under its narrow permissions: when it is gone
   * (SIGKILLed: the signal cannot be forwarded) this process ends too, and its cells' children
   * follow (each ends itself when its parent goes). Absent: started directly.
   */
  launcherPid?: number;
  log: Logger;
}

/** How often a relaunched worker checks that its launcher is still its parent. */
const LAUNCHER_POLL_MS = 200;

/** Runs the worker until a stop signal; resolves to the exit code. */
export async function runNatsWorkerProcess(o: NatsWorkerProcessOptions): Promise<number> {
  if (o.launcherPid) {
    const launcher = o.launcherPid;
    setInterval(() => {
      if (Deno.ppid === launcher) return;
      o.log.error("the worker's launcher is gone (killed): stopping at once", { launcher });
      Deno.exit(1); // unacknowledged jobs go to another worker after the ack wait
    }, LAUNCHER_POLL_MS);
  }
  await Deno.mkdir(`${o.scratchRoot}/workspace`, { recursive: true });
  const root = await Deno.realPath(o.scratchRoot);
  const nc = await connectNats({
    servers: o.servers,
    token: o.token,
    name: `strata-worker ${o.name}`,
  });
  const worker = await startNatsWorker({
    nc,
    ownsConnection: true,
    executor: createExecutor({
      scratchRoot: root,
      poolSize: o.poolSize,
      childEnv: o.childEnv,
      log: o.log.child({ component: "executor" }),
    }),
    workspaceDir: `${root}/workspace`,
    name: o.name,
    maxActive: o.maxActive,
    hostPaths: o.hostPaths,
    names: DEFAULT_NAMES,
    log: o.log,
  });
  o.log.info("Strata worker is pulling jobs from NATS", {
    nats: o.servers.join(","),
    name: o.name,
  });
  const stop = () => void worker.shutdown();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  await worker.finished;
  o.log.info("worker stopped");
  return 0;
}
