/**
 * An Executor that queues every batch of cells on a JetStream work-queue stream, subject
 * `<prefix>.<tenant hash>.<interactive|bulk>`, for `strata worker --nats` processes to run.
 * Results and console lines come back on a core NATS inbox of this server as each cell finishes.
 * A worker that dies mid-run stops sending progress, so JetStream hands the job to another
 * worker after the consumer's ack wait; results already received are kept and a re-run's
 * duplicates are dropped. Whatever goes wrong (no worker, timeout, too large) becomes a "crash"
 * result per job, never a throw, like the HTTP remote executor.
 *
 * @example
 * ```ts
 * const nc = await connectNats({ servers: ["nats://127.0.0.1:4222"], name: "strata" });
 * const executor = await natsExecutor({ nc, ownsConnection: true });
 * const results = await executor.forScope({ tenantHash, workClass: "interactive" }).runBatch(jobs);
 * ```
 */
import { createInbox, type Msg, type NatsConnection, nuid } from "@nats-io/transport-node";
import { type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import type { BatchOptions, Executor } from "../executor/executor.ts";
import type { CellError, CellJob, CellResult } from "../executor/types.ts";
import type { Logger } from "../log.ts";
import { nullLogger } from "../log.ts";
import type { WorkClass } from "../tenancy/qos.ts";
import { jobToWire, resultFromWire } from "../worker/wire.ts";
import { ensureConsumer, ensureStream } from "./jetstream.ts";
import {
  announceSubject,
  cancelSubject,
  type ClusterNames,
  DEFAULT_NAMES,
  type JobEvent,
  type JobMessage,
  jobSubject,
  NATS_PROTOCOL_VERSION,
} from "./protocol.ts";

/** Options for natsExecutor. */
export interface NatsExecutorOptions {
  nc: NatsConnection;
  /** Drain and close `nc` in close(). @default false */
  ownsConnection?: boolean;
  /** @default DEFAULT_NAMES */
  names?: ClusterNames;
  /** @default 1 */
  replicas?: number;
  /** @default 4 */
  tenantMaxInteractive?: number;
  /** @default 2 */
  tenantMaxBulk?: number;
  /** @default 5000 */
  ackWaitMs?: number;
  /** @default 5 */
  maxDeliver?: number;
  /** How long a job may wait for a worker. @default 600_000 */
  queueTimeoutMs?: number;
  log?: Logger;
}

/** Who a batch is for: picks its subject (and so its tenant's consumer and concurrency bound). */
export interface DispatchScope {
  tenantHash: string;
  /** @default "interactive" */
  workClass?: WorkClass;
}

/** An Executor over NATS; `forScope` gives the one a tenant's runs use. */
export interface NatsExecutor extends Executor {
  forScope(scope: DispatchScope): Executor;
}

/** The tenant of runs that name none (CLI, tests): personal mode's tenant id. */
const UNSCOPED = "default";
/** Grace added to the jobs' own timeouts once a worker has started them. */
const GRACE_MS = 30_000;
/** How long a publish is retried while the NATS server (or cluster leader) is away. */
const PUBLISH_RETRY_MS = 30_000;

/** A batch waiting for its results. */
interface Pending {
  jobs: CellJob[];
  results: CellResult[];
  early: Map<number, CellResult>;
  opts: BatchOptions;
  seq?: number;
  worker?: string;
  /** Highest delivery that started. */
  delivery: number;
  started: number;
  timer?: ReturnType<typeof setTimeout>;
  finish(why?: string): void;
}

/** Creates the executor; declares the stream if it does not exist. */
export async function natsExecutor(options: NatsExecutorOptions): Promise<NatsExecutor> {
  const { nc } = options;
  const names = options.names ?? DEFAULT_NAMES;
  const log = options.log ?? nullLogger();
  const ackWaitMs = options.ackWaitMs ?? 5000;
  const queueTimeoutMs = options.queueTimeoutMs ?? 600_000;
  const jsm: JetStreamManager = await jetstreamManager(nc, { checkAPI: false });
  // A NATS cluster that has just started elects its JetStream leader first: retry for a while.
  for (let waited = 0;; waited += 500) {
    try {
      await ensureStream(jsm, { names, replicas: options.replicas ?? 1 });
      break;
    } catch (err) {
      if (waited >= 30_000) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const js = jsm.jetstream();
  const inbox = createInbox();
  const pending = new Map<string, Pending>();
  const consumers = new Map<string, Promise<string>>();
  let closed = false;
  const encoder = new TextEncoder();

  const sub = nc.subscribe(`${inbox}.*`, { callback: (_err, msg) => onEvent(msg) });
  // A job that exhausted its deliveries (it killed every worker that took it) is given up.
  const advisories = nc.subscribe(
    `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${names.stream}.*`,
    {
      callback(_err, msg) {
        const seq = (msg.json() as { stream_seq?: number }).stream_seq;
        for (const p of pending.values()) {
          if (p.seq === seq) {
            p.finish(`was delivered ${options.maxDeliver ?? 5} times and no worker finished it`);
          }
        }
      },
    },
  );

  function consumerFor(tenantHash: string, cls: WorkClass): Promise<string> {
    const key = `${tenantHash}.${cls}`;
    let p = consumers.get(key);
    if (!p) {
      p = ensureConsumer(jsm, tenantHash, cls, {
        names,
        maxAckPending: cls === "bulk"
          ? options.tenantMaxBulk ?? 2
          : options.tenantMaxInteractive ?? 4,
        ackWaitMs,
        maxDeliver: options.maxDeliver ?? 5,
      }).then((name) => {
        nc.publish(announceSubject(names), name);
        return name;
      });
      p.catch(() => consumers.delete(key));
      consumers.set(key, p);
    }
    return p;
  }

  function onEvent(msg: Msg): void {
    let ev: JobEvent;
    try {
      ev = msg.json() as JobEvent;
    } catch {
      return;
    }
    const p = pending.get(msg.subject.slice(inbox.length + 1));
    if (!p || ev.id !== msg.subject.slice(inbox.length + 1)) return;
    switch (ev.t) {
      case "start":
        if (ev.delivery > 1) {
          log.warn("job handed to another worker", {
            job: ev.id,
            worker: ev.worker,
            delivery: ev.delivery,
          });
        }
        if (ev.delivery > p.delivery) {
          // A newer delivery started: any earlier one still running (a worker too slow to send
          // progress in time, not dead) stops, so the job completes once.
          if (p.delivery > 0) {
            nc.publish(cancelSubject(names, ev.id), JSON.stringify({ below: ev.delivery }));
          }
          p.delivery = ev.delivery;
        }
        p.worker = ev.worker;
        arm(p, runBudget(p.jobs), "did not finish");
        break;
      case "console":
        if (ev.delivery < p.delivery) break; // an earlier delivery, stopped
        if (ev.index >= p.results.length) p.opts.onConsole?.(ev.entry, ev.index);
        break;
      case "result": {
        if (ev.delivery < p.delivery) break; // an earlier delivery, stopped: not this run's
        if (ev.index < p.results.length || ev.index >= p.jobs.length) break; // a re-run's repeat
        let r: CellResult;
        try {
          r = resultFromWire(ev.result);
        } catch (err) {
          p.finish(`sent a malformed result: ${(err as Error).message}`);
          break;
        }
        p.early.set(ev.index, r);
        while (p.early.has(p.results.length)) {
          const next = p.early.get(p.results.length)!;
          p.early.delete(p.results.length);
          p.results.push(next);
          p.opts.onResult?.(next, p.results.length - 1);
        }
        if (p.results.length === p.jobs.length) p.finish();
        break;
      }
      case "fail":
        p.worker = ev.worker;
        p.finish(`failed the job: ${ev.message}`);
        break;
    }
  }

  function arm(p: Pending, ms: number, what: string): void {
    clearTimeout(p.timer);
    p.timer = setTimeout(() => p.finish(`${what} within ${Math.round(ms / 1000)} s`), ms);
  }

  async function runBatch(
    jobs: CellJob[],
    opts: BatchOptions,
    scope: DispatchScope,
  ): Promise<CellResult[]> {
    if (jobs.length === 0) return [];
    const cls = scope.workClass ?? "interactive";
    const id = nuid.next();
    const started = performance.now();
    const results: CellResult[] = [];
    let resolve!: () => void;
    let gaveUp = false;
    const done = new Promise<void>((r) => (resolve = r));
    const p: Pending = {
      jobs,
      results,
      early: new Map(),
      opts,
      started,
      delivery: 0,
      finish(why) {
        if (!pending.has(id)) return;
        pending.delete(id);
        clearTimeout(p.timer);
        opts.signal?.removeEventListener("abort", onAbort);
        if (why !== undefined) {
          gaveUp = true;
          withdraw();
          const where = p.worker ? `NATS worker '${p.worker}'` : "The NATS job queue";
          const error: CellError = why === "cancelled"
            ? { kind: "cancelled", message: "Cell run cancelled" }
            : { kind: "crash", message: `${where}: the job ${why}` };
          while (results.length < jobs.length) {
            const r = failed(jobs[results.length], error, started);
            results.push(r);
            opts.onResult?.(r, results.length - 1);
          }
        }
        resolve();
      },
    };
    const withdraw = () => {
      nc.publish(cancelSubject(names, id));
      if (p.seq !== undefined) jsm.streams.deleteMessage(names.stream, p.seq).catch(() => {});
    };
    const onAbort = () => p.finish("cancelled");
    if (closed) return jobs.map((j) => failed(j, shutdownError(), started));
    let subject: string;
    try {
      subject = jobSubject(names, scope.tenantHash, cls);
    } catch (err) {
      return jobs.map((j) =>
        failed(j, { kind: "crash", message: (err as Error).message }, started)
      );
    }
    const message: JobMessage = {
      v: NATS_PROTOCOL_VERSION,
      id,
      reply: `${inbox}.${id}`,
      deadline: Date.now() + queueTimeoutMs + runBudget(jobs),
      jobs: jobs.map(jobToWire),
    };
    const payload = encoder.encode(JSON.stringify(message));
    const max = nc.info?.max_payload ?? 1_048_576;
    if (payload.length > max) {
      const error: CellError = {
        kind: "crash",
        message: `The job of ${jobs.length} cell(s) is ${mb(payload.length)} with its inputs, ` +
          `more than the NATS server's max_payload (${
            mb(max)
          }); raise max_payload or run these cells locally`,
      };
      return jobs.map((j) => failed(j, error, started));
    }
    pending.set(id, p);
    opts.signal?.addEventListener("abort", onAbort);
    if (opts.signal?.aborted) onAbort();
    arm(p, queueTimeoutMs, "was not picked up by any worker (are `strata worker --nats` running?)");
    try {
      await consumerFor(scope.tenantHash, cls);
      p.seq = await publish(subject, payload, id);
    } catch (err) {
      log.warn("cannot queue a job on NATS", { error: (err as Error).message });
      p.finish(`could not be queued: ${(err as Error).message}`);
    }
    if (gaveUp && p.seq !== undefined) withdraw(); // given up while it was being queued
    await done;
    return results;
  }

  /** Publishes with retries while NATS is away; the message id makes a retry store it once. */
  async function publish(subject: string, payload: Uint8Array, id: string): Promise<number> {
    const until = Date.now() + PUBLISH_RETRY_MS;
    for (let wait = 100;; wait = Math.min(wait * 2, 1000)) {
      try {
        return (await js.publish(subject, payload, { msgID: id, timeout: 2000 })).seq;
      } catch (err) {
        if (closed || Date.now() > until || !pending.has(id)) throw err;
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  function scoped(scope: DispatchScope): Executor {
    return {
      run: async (job, opts) => (await runBatch([job], opts ?? {}, scope))[0],
      runBatch: (jobs, opts) => runBatch(jobs, opts ?? {}, scope),
      warm() {},
      stats: () => ({ keys: consumers.size, idle: 0, live: pending.size }),
      close: () => Promise.resolve(),
    };
  }

  const unscoped = scoped({ tenantHash: UNSCOPED });
  return {
    ...unscoped,
    forScope: scoped,
    async close() {
      if (closed) return;
      closed = true;
      for (const p of [...pending.values()]) p.finish("was dropped: the server is shutting down");
      sub.unsubscribe();
      advisories.unsubscribe();
      if (options.ownsConnection) await nc.drain().catch(() => nc.close());
    },
  };
}

function runBudget(jobs: CellJob[]): number {
  return jobs.reduce((n, j) => n + (j.timeoutMs ?? 300_000), 0) + GRACE_MS;
}

function shutdownError(): CellError {
  return {
    kind: "crash",
    message: "NATS dispatch: the job was dropped: the server is shutting down",
  };
}

function failed(job: CellJob, error: CellError, started: number): CellResult {
  return {
    cellId: job.cellId,
    status: "error",
    outputs: [],
    displays: [],
    console: [],
    consoleTruncated: false,
    error,
    durationMs: performance.now() - started,
  };
}

function mb(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MB`;
}

export { scopedExecutor } from "./scoped_executor.ts";
