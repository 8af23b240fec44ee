/**
 * Connecting to NATS and declaring what dispatch needs on JetStream: the work-queue stream of
 * jobs and one durable pull consumer per tenant and work class, whose `max_ack_pending` bounds
 * how many of that tenant's jobs run at once across all workers.
 */
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/transport-node";
import {
  AckPolicy,
  type JetStreamManager,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import { type KV, Kvm, type KvOptions } from "@nats-io/kv";
import type { WorkClass } from "../tenancy/qos.ts";
import { type ClusterNames, consumerName, jobSubject } from "./protocol.ts";

/** Options for connectNats. */
export interface ConnectOptions {
  servers: readonly string[];
  /** NATS auth token (STRATA_NATS_TOKEN). */
  token?: string;
  /** Connection name shown by the NATS server. */
  name: string;
}

/** Connects to NATS; reconnects for ever (a restarted node or a cluster fail-over is routine). */
export async function connectNats(options: ConnectOptions): Promise<NatsConnection> {
  return await connect({
    servers: options.servers.map((s) => s.replace(/^nats:\/\//, "")),
    token: options.token,
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    pingInterval: 5_000,
    maxPingOut: 2,
  });
}

/** Stream settings. */
export interface StreamOptions {
  names: ClusterNames;
  replicas: number;
}

/** Creates the work-queue stream of jobs if it does not exist. */
export async function ensureStream(jsm: JetStreamManager, options: StreamOptions): Promise<void> {
  const { names } = options;
  try {
    await jsm.streams.info(names.stream);
    return;
  } catch { /* not there yet */ }
  try {
    await jsm.streams.add({
      name: names.stream,
      subjects: [`${names.prefix}.>`],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      num_replicas: options.replicas,
    });
  } catch (err) {
    // Another replica created it meanwhile: fine if it is there now.
    await jsm.streams.info(names.stream).catch(() => {
      throw err;
    });
  }
}

/** Consumer settings. */
export interface ConsumerOptions {
  names: ClusterNames;
  maxAckPending: number;
  ackWaitMs: number;
  maxDeliver: number;
}

/** Creates (or updates) the durable pull consumer of a tenant's work class; returns its name. */
export async function ensureConsumer(
  jsm: JetStreamManager,
  tenantHash: string,
  cls: WorkClass,
  options: ConsumerOptions,
): Promise<string> {
  const name = consumerName(options.names, tenantHash, cls);
  const config = {
    durable_name: name,
    filter_subject: jobSubject(options.names, tenantHash, cls),
    ack_policy: AckPolicy.Explicit,
    ack_wait: options.ackWaitMs * 1_000_000,
    max_ack_pending: options.maxAckPending,
    max_deliver: options.maxDeliver,
  };
  try {
    await jsm.consumers.add(options.names.stream, config);
  } catch {
    // Exists with other limits (the operator changed them): bring it to these.
    const { durable_name: _, filter_subject: __, ...update } = config;
    await jsm.consumers.update(options.names.stream, name, update);
  }
  return name;
}

export { jetstreamManager };
export type { NatsConnection };

/**
 * Opens (creating if needed) a KV bucket. Replicas that start together race to create its stream,
 * and JetStream answers the loser "subjects overlap with an existing stream" (seen in CI: five
 * replicas opening the lease bucket at once); the bucket exists by then, so the create is tried
 * again, a few times, a little later.
 */
export async function openKvBucket(
  nc: NatsConnection,
  name: string,
  options: Partial<KvOptions>,
  attempts = 5,
): Promise<KV> {
  for (let i = 1;; i++) {
    try {
      return await new Kvm(nc).create(name, options);
    } catch (err) {
      if (i >= attempts || !/overlap|already in use|exists/i.test(String(err))) throw err;
      await new Promise((r) => setTimeout(r, 20 * i));
    }
  }
}
