/**
 * The worker side of NATS dispatch (`strata worker --nats <url>`): pulls jobs from every
 * tenant's consumer on the job stream while it has a free slot, runs them in its own executor
 * (warm pool of permission-scoped children, the job's permissions applied unchanged), reports
 * progress to JetStream while a job runs so a dead worker's job moves on within the ack wait,
 * and streams console lines and results to the publishing server's reply subject.
 */
import type { Msg, NatsConnection } from "@nats-io/transport-node";
import { type JetStreamClient, jetstreamManager, type JsMsg } from "@nats-io/jetstream";
import { z } from "zod";
import type { Executor } from "../executor/executor.ts";
import type { CellJob, CellResult } from "../executor/types.ts";
import type { Logger } from "../log.ts";
import { nullLogger } from "../log.ts";
import type { WorkClass } from "../tenancy/qos.ts";
import { jobFromWire, resultToWire, wireJobSchema } from "../worker/wire.ts";
import {
  announceSubject,
  cancelSubject,
  type ClusterNames,
  consumerClass,
  DEFAULT_NAMES,
  type JobEvent,
  NATS_PROTOCOL_VERSION,
} from "./protocol.ts";

/** Options for startNatsWorker. */
export interface NatsWorkerOptions {
  nc: NatsConnection;
  /** Drain and close `nc` when the worker stops. @default false */
  ownsConnection?: boolean;
  executor: Executor;
  /** Folder standing in for the server's notebook folder (relative job paths resolve here). */
  workspaceDir: string;
  /** Shown to servers (in logs and error messages). */
  name: string;
  /** Jobs run at once; bulk jobs leave one slot free for interactive ones. @default 4 */
  maxActive?: number;
  /** Let jobs name absolute paths on this machine. @default false */
  hostPaths?: boolean;
  /** @default DEFAULT_NAMES */
  names?: ClusterNames;
  /** Progress (in-progress ack) interval while a job runs. @default a quarter of the ack wait */
  progressMs?: number;
  /** How often the consumer list is re-read (new tenants). @default 2000 */
  discoverMs?: number;
  log?: Logger;
}

/** A running NATS worker. */
export interface NatsWorker {
  /** Jobs running now. */
  active(): number;
  /** Resolves once the worker stopped. */
  finished: Promise<void>;
  /** Stops pulling, lets running jobs finish, closes the connection if it owns it. */
  shutdown(): Promise<void>;
}

const jobMessageSchema = z.object({
  v: z.literal(NATS_PROTOCOL_VERSION),
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  reply: z.string().min(1).max(256).regex(/^[^\s*>]+$/),
  deadline: z.number(),
  jobs: z.array(wireJobSchema).min(1).max(1000),
});

/** Starts pulling; resolves once the consumers known now are being pulled from. */
export async function startNatsWorker(options: NatsWorkerOptions): Promise<NatsWorker> {
  const { nc, executor, name } = options;
  const names = options.names ?? DEFAULT_NAMES;
  const log = options.log ?? nullLogger();
  const maxActive = options.maxActive ?? 4;
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  const js: JetStreamClient = jsm.jetstream();
  const lanes = new Map<string, Promise<void>>();
  /** Runs by job id (a slow worker may hold two deliveries of one job). */
  const running = new Map<string, Set<{ abort: AbortController; delivery: number }>>();
  const inFlight = new Set<Promise<void>>();
  let active = 0;
  let stopping = false;
  let wake: (() => void)[] = [];
  const encoder = new TextEncoder();

  const cap = (cls: WorkClass) => (cls === "bulk" && maxActive > 1 ? maxActive - 1 : maxActive);
  async function waitFree(cls: WorkClass): Promise<void> {
    while (!stopping && active >= cap(cls)) await new Promise<void>((r) => wake.push(r));
  }
  function release(): void {
    active--;
    const w = wake;
    wake = [];
    w.forEach((r) => r());
  }

  function addLane(consumer: string): void {
    const cls = consumerClass(names, consumer);
    if (!cls || lanes.has(consumer) || stopping) return;
    const lane = pull(consumer, cls).catch((err) => {
      log.warn("stopped pulling from a consumer", { consumer, error: (err as Error).message });
    }).finally(() => lanes.delete(consumer));
    lanes.set(consumer, lane);
  }

  async function pull(consumerName: string, cls: WorkClass): Promise<void> {
    const consumer = await js.consumers.get(names.stream, consumerName);
    const ackWaitMs = ((await consumer.info(true)).config.ack_wait ?? 30e9) / 1_000_000;
    log.debug("pulling", { consumer: consumerName });
    while (!stopping) {
      await waitFree(cls);
      if (stopping) break;
      let m: JsMsg | null;
      try {
        m = await consumer.next({ expires: 5_000 });
      } catch (err) {
        const message = (err as Error).message;
        if (/not found|deleted/i.test(message)) return; // the consumer is gone
        if (!stopping) await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (!m) continue;
      if (stopping || active >= cap(cls)) {
        m.nak(50); // another lane filled the last slot: let another worker take it
        continue;
      }
      active++;
      const job = handle(m, ackWaitMs).catch((err) => {
        log.error("job handling failed", { error: (err as Error).message });
      }).finally(() => {
        inFlight.delete(job);
        release();
      });
      inFlight.add(job);
    }
  }

  async function handle(m: JsMsg, ackWaitMs: number): Promise<void> {
    let parsed;
    try {
      parsed = jobMessageSchema.safeParse(m.json());
    } catch {
      parsed = undefined;
    }
    if (!parsed?.success) {
      const issue = parsed?.error.issues[0];
      log.warn("dropped a malformed job", {
        at: issue?.path.join("."),
        problem: issue?.message ?? "not JSON",
      });
      m.term("malformed job");
      return;
    }
    const msg = parsed.data;
    const send = (ev: JobEvent) => nc.publish(msg.reply, encoder.encode(JSON.stringify(ev)));
    if (Date.now() > msg.deadline) {
      m.term("deadline passed"); // its server gave up on it
      return;
    }
    const abort = new AbortController();
    const delivery = m.info.deliveryCount;
    const run = { abort, delivery };
    if (!running.has(msg.id)) running.set(msg.id, new Set());
    running.get(msg.id)!.add(run);
    send({ t: "start", id: msg.id, worker: name, delivery: m.info.deliveryCount });
    // Progress: while this runs, JetStream does not hand the job to another worker.
    const beat = setInterval(
      () => m.working(),
      options.progressMs ?? Math.max(200, Math.floor(ackWaitMs / 4)),
    );
    try {
      const jobs = msg.jobs.map((j) => jobFromWire(j, options.workspaceDir));
      const refused = options.hostPaths
        ? -1
        : jobs.findIndex((j) => outside(j, options.workspaceDir));
      const runnable = refused < 0 ? jobs : jobs.slice(0, refused);
      let sent = 0;
      const onResult = (r: CellResult, index: number) => {
        if (index < sent) return;
        sent = index + 1;
        send({ t: "result", id: msg.id, delivery, index, result: resultToWire(r) });
      };
      if (runnable.length > 0) {
        const results = await executor.runBatch(runnable, {
          signal: abort.signal,
          onResult,
          onConsole: (entry, index) => send({ t: "console", id: msg.id, delivery, index, entry }),
        });
        results.forEach(onResult); // an executor that does not report each result as it goes
      }
      if (refused >= 0) refuse(jobs, refused).forEach((r, i) => onResult(r, refused + i));
      await nc.flush();
      await m.ackAck();
    } catch (err) {
      send({ t: "fail", id: msg.id, worker: name, message: (err as Error).message });
      m.term("worker error");
    } finally {
      clearInterval(beat);
      running.get(msg.id)?.delete(run);
      if (running.get(msg.id)?.size === 0) running.delete(msg.id);
    }
  }

  function refuse(jobs: CellJob[], at: number): CellResult[] {
    const job = jobs[at];
    const paths = [...(job.permissions.read ?? []), ...(job.permissions.write ?? [])]
      .filter((p) => !inside(p, options.workspaceDir));
    return jobs.slice(at).map((j, i) => ({
      cellId: j.cellId,
      status: "error",
      outputs: [],
      displays: [],
      console: [],
      consoleTruncated: false,
      error: i === 0
        ? {
          kind: "permission",
          message: `Worker '${name}' does not grant paths outside its workspace: ${
            paths.join(", ")
          }`,
        }
        : { kind: "exception", message: `Not run: cell '${job.cellId}' was refused` },
      durationMs: 0,
    }));
  }

  async function discover(): Promise<void> {
    try {
      for await (const ci of jsm.consumers.list(names.stream)) addLane(ci.name);
    } catch { /* no stream yet: the first server creates it */ }
  }

  const announced = nc.subscribe(announceSubject(names), {
    callback: (_err, msg: Msg) => addLane(msg.string()),
  });
  const cancels = nc.subscribe(cancelSubject(names, "*"), {
    callback(_err, msg: Msg) {
      // Empty: the server gave up on the job. `{below: n}`: delivery n started elsewhere (this
      // worker was too slow to show progress), so earlier deliveries stop: one run completes.
      const runs = running.get(msg.subject.split(".").pop()!) ?? [];
      let below = Infinity;
      try {
        below = msg.data.length ? Number((msg.json() as { below?: number }).below) : Infinity;
      } catch { /* malformed: treat as a full cancel */ }
      for (const run of runs) if (run.delivery < below) run.abort.abort();
    },
  });
  await discover();
  const timer = setInterval(() => void discover(), options.discoverMs ?? 2000);

  let stopped: Promise<void> | undefined;
  let resolveFinished!: () => void;
  const finished = new Promise<void>((r) => (resolveFinished = r));
  return {
    active: () => active,
    finished,
    shutdown() {
      stopped ??= (async () => {
        stopping = true;
        clearInterval(timer);
        announced.unsubscribe();
        wake.forEach((r) => r());
        await Promise.allSettled([...inFlight]);
        cancels.unsubscribe();
        if (options.ownsConnection) await nc.drain().catch(() => nc.close());
        await executor.close();
        resolveFinished();
      })();
      return stopped;
    },
  };
}

function outside(job: CellJob, workspace: string): boolean {
  return [...(job.permissions.read ?? []), ...(job.permissions.write ?? [])].some((p) =>
    !inside(p, workspace)
  );
}

function inside(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith("/") ? root : root + "/");
}
