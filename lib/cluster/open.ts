/** Opens the server's NATS executor and session ownership from `[cluster]` (issue 21). */
import type { Logger } from "../log.ts";
import type { ClusterConfig } from "./cluster_config.ts";
import { connectNats } from "./jetstream.ts";
import { type NatsExecutor, natsExecutor } from "./nats_executor.ts";
import { openOwnership, type Ownership } from "./ownership.ts";

/** Connects (a connection of its own) and opens this replica's session ownership (item 2). */
export async function openClusterOwnership(
  cluster: ClusterConfig,
  log: Logger,
): Promise<Ownership> {
  const nc = await connectNats({
    servers: cluster.servers,
    token: cluster.token,
    name: `strata-owner-${cluster.replicaId}`,
  });
  log.info("notebook sessions are owned across replicas", {
    replica: cluster.replicaId,
    leaseTtlMs: cluster.leaseTtlMs,
  });
  return await openOwnership({
    nc,
    ownsConnection: true,
    replicaId: cluster.replicaId,
    prefix: cluster.subjectPrefix,
    leaseTtlMs: cluster.leaseTtlMs,
    replicas: cluster.replicas,
    log: log.child({ component: "ownership", replica: cluster.replicaId }),
  });
}

/** Connects to `[cluster] nats_url` and returns the executor every run of this server uses. */
export async function openClusterExecutor(
  cluster: ClusterConfig,
  log: Logger,
): Promise<NatsExecutor> {
  const nc = await connectNats({ servers: cluster.servers, token: cluster.token, name: "strata" });
  log.info("cells run on NATS workers", {
    nats: cluster.servers.join(","),
    stream: cluster.stream,
  });
  return await natsExecutor({
    nc,
    ownsConnection: true,
    names: { stream: cluster.stream, prefix: cluster.subjectPrefix },
    replicas: cluster.replicas,
    tenantMaxInteractive: cluster.tenantMaxInteractive,
    tenantMaxBulk: cluster.tenantMaxBulk,
    ackWaitMs: cluster.ackWaitMs,
    maxDeliver: cluster.maxDeliver,
    queueTimeoutMs: cluster.queueTimeoutMs,
    log: log.child({ component: "cluster" }),
  });
}
