/** Opens the server's NATS executor from `[cluster]` (issue 21): connect, declare, dispatch. */
import type { Logger } from "../log.ts";
import type { ClusterConfig } from "./cluster_config.ts";
import { connectNats } from "./jetstream.ts";
import { type NatsExecutor, natsExecutor } from "./nats_executor.ts";

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
