/**
 * The `[cluster]` configuration block: where the NATS server is and how jobs are queued on it.
 * Absent (no `nats_url`), cells run as before (local children, or the `executor = remote` worker).
 */
import { z } from "zod";

/**
 * `[cluster]` as written in strata.toml (or JSON in STRATA_CLUSTER). Built on first use
 * (`z.lazy`): most starts have no `[cluster]` and never validate one.
 */
export const ClusterConfigSchema = z.lazy(() =>
  z.object({
    /** NATS server(s): `nats://host:port`, or several separated by commas. */
    nats_url: z.string().min(1).refine(
      (s) => s.split(",").every((u) => natsAddress(u.trim()) !== undefined),
      "must be nats://host:port (several separated by commas)",
    ),
    /** JetStream stream of queued jobs. @default "STRATA_EXEC" */
    stream: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/).optional(),
    /** First token of job subjects `<prefix>.<tenant hash>.<interactive|bulk>`. @default "exec" */
    subject_prefix: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/).optional(),
    /** Stream replicas (3 on a 3-node NATS cluster). @default 1 */
    replicas: z.number().int().min(1).max(5).optional(),
    /** Jobs of one tenant running at once, interactive (max ack pending). @default 4 */
    tenant_max_interactive: z.number().int().min(1).max(10_000).optional(),
    /** Jobs of one tenant running at once, bulk. @default 2 */
    tenant_max_bulk: z.number().int().min(1).max(10_000).optional(),
    /** A job whose worker sends no progress this long goes to another worker. @default 5000 */
    ack_wait_ms: z.number().int().min(1000).max(600_000).optional(),
    /** Deliveries of one job before it is given up (a job that kills its worker). @default 5 */
    max_deliver: z.number().int().min(1).max(100).optional(),
    /** How long a job may wait for a worker before its cells fail. @default 600 */
    queue_timeout_seconds: z.number().int().min(1).max(86_400).optional(),
    /**
     * This replica's name as the owner of notebook sessions (letters, digits, `-`, `_`); each
     * replica needs its own. @default random at each start
     */
    replica_id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
    /**
     * How long a notebook's owner lease outlives its last renewal: after an owner dies, another
     * replica takes its notebooks over within this time. @default 10000
     */
    lease_ttl_ms: z.number().int().min(1000).max(300_000).optional(),
  }).strict()
);

/** The resolved `[cluster]` block. */
export interface ClusterConfig {
  /** Server URLs as given (`nats://host:port`). */
  servers: readonly string[];
  stream: string;
  subjectPrefix: string;
  replicas: number;
  tenantMaxInteractive: number;
  tenantMaxBulk: number;
  ackWaitMs: number;
  maxDeliver: number;
  queueTimeoutMs: number;
  /** This replica's id as a session owner (issue 21 item 2). */
  replicaId: string;
  /** Owner lease TTL. */
  leaseTtlMs: number;
  /** STRATA_NATS_TOKEN, read by lib/config/credentials.ts. */
  token?: string;
}

/** Applies defaults to a validated `[cluster]` block (undefined: no cluster). */
export function resolveClusterConfig(
  raw: z.infer<typeof ClusterConfigSchema> | undefined,
  token: string | undefined,
): ClusterConfig | undefined {
  if (!raw) return undefined;
  return {
    servers: raw.nats_url.split(",").map((u) => u.trim()).filter(Boolean),
    stream: raw.stream ?? "STRATA_EXEC",
    subjectPrefix: raw.subject_prefix ?? "exec",
    replicas: raw.replicas ?? 1,
    tenantMaxInteractive: raw.tenant_max_interactive ?? 4,
    tenantMaxBulk: raw.tenant_max_bulk ?? 2,
    ackWaitMs: raw.ack_wait_ms ?? 5000,
    maxDeliver: raw.max_deliver ?? 5,
    queueTimeoutMs: (raw.queue_timeout_seconds ?? 600) * 1000,
    replicaId: raw.replica_id ?? `r-${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`,
    leaseTtlMs: raw.lease_ttl_ms ?? 10_000,
    token,
  };
}

/**
 * `host:port` of a NATS URL as Deno's net permission names it (`nats://a:4222`, `a:4222`, `a`);
 * undefined when it is not one.
 */
export function natsAddress(url: string): string | undefined {
  const m =
    /^(?:(?:nats|tls|ws|wss):\/\/)?(?:[^@/]+@)?(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?\/?$/
      .exec(url);
  if (!m) return undefined;
  const port = m[2] ? Number(m[2]) : 4222;
  return port > 0 && port < 65536 ? `${m[1]}:${port}` : undefined;
}
