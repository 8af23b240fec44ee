/**
 * The NATS dispatch protocol (docs/worker-protocol.md, "NATS workers"): subject and consumer
 * names, and the JSON messages between a server and its workers. A job message carries the same
 * job description as the HTTP worker protocol (lib/worker/wire.ts); replies go to a core NATS
 * subject of the publishing server, one message per event.
 */
import type { WorkClass } from "../tenancy/qos.ts";
import type { ConsoleEntry } from "../executor/types.ts";
import type { WireJob, WireResult } from "../worker/wire.ts";

/** Version of the NATS job message; a worker terminates any other. */
export const NATS_PROTOCOL_VERSION = 1;

/** Names of the stream, its subjects and the side subjects of one installation. */
export interface ClusterNames {
  /** JetStream stream holding queued jobs. @default "STRATA_EXEC" */
  stream: string;
  /** First subject token of jobs: `<prefix>.<tenant hash>.<class>`. @default "exec" */
  prefix: string;
}

/** The default names. */
export const DEFAULT_NAMES: ClusterNames = { stream: "STRATA_EXEC", prefix: "exec" };

const TOKEN = /^[A-Za-z0-9_-]{1,64}$/;

/** Subject of a tenant's jobs of one class; throws on a tenant hash that is not one token. */
export function jobSubject(names: ClusterNames, tenantHash: string, cls: WorkClass): string {
  if (!TOKEN.test(tenantHash)) {
    throw new TypeError(
      `Cannot dispatch a job: tenant hash '${tenantHash}' is not a NATS subject token`,
    );
  }
  return `${names.prefix}.${tenantHash}.${cls}`;
}

/** Durable consumer name of a tenant's class (one per tenant and class bounds its concurrency). */
export function consumerName(names: ClusterNames, tenantHash: string, cls: WorkClass): string {
  return `${names.prefix}_${tenantHash}_${cls}`;
}

/** The class of a consumer name made by consumerName, or undefined for any other consumer. */
export function consumerClass(names: ClusterNames, name: string): WorkClass | undefined {
  if (!name.startsWith(`${names.prefix}_`)) return undefined;
  if (name.endsWith("_interactive")) return "interactive";
  if (name.endsWith("_bulk")) return "bulk";
  return undefined;
}

/** Core subject on which a server announces a consumer it created (workers start pulling). */
export function announceSubject(names: ClusterNames): string {
  return `${names.prefix}-control.consumers`;
}

/** Core subject a server publishes on to cancel a job by id. */
export function cancelSubject(names: ClusterNames, id: string): string {
  return `${names.prefix}-control.cancel.${id}`;
}

/** A queued job: one batch of cells that share a child on the worker. */
export interface JobMessage {
  v: typeof NATS_PROTOCOL_VERSION;
  /** Unique id (also the JetStream message id, so a retried publish is stored once). */
  id: string;
  /** Core subject the worker sends JobEvents to. */
  reply: string;
  /** Epoch ms after which nobody waits for the answer; a worker drops it unrun. */
  deadline: number;
  jobs: WireJob[];
}

/** What a worker tells the publishing server, in order, for one delivery of a job. */
export type JobEvent =
  | { t: "start"; id: string; worker: string; delivery: number }
  | { t: "console"; id: string; delivery: number; index: number; entry: ConsoleEntry }
  | { t: "result"; id: string; delivery: number; index: number; result: WireResult }
  | { t: "fail"; id: string; worker: string; message: string };
