/**
 * Session ownership across replicas (issue 21 item 2, first part): one owner replica per open
 * notebook, held as a lease in a NATS KV bucket whose entries expire `ttlMs` after their last
 * write. Taking a lease is create-if-absent and renewing is compare-and-set on the entry's
 * revision, so two replicas can never both succeed. An owner trusts its lease only until
 * `renewal sent + ttl - margin` measured on its own clock: the entry, written after that send,
 * expires later on the server, so a new owner can only appear after the old one stopped trusting.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { KV } from "@nats-io/kv";
import { openKvBucket } from "./jetstream.ts";

/** Options for openLeases. */
export interface LeasesOptions {
  nc: NatsConnection;
  /** KV bucket. @default "strata_leases" */
  bucket?: string;
  /** How long a lease outlives its last renewal. @default 10_000 */
  ttlMs?: number;
  /** Bucket replicas (3 on a 3-node NATS cluster). @default 1 */
  replicas?: number;
}

/** A held lease. */
export interface Lease {
  key: string;
  holder: string;
  /** True while this replica may act as the owner. */
  valid(): boolean;
  /** Resolves when the lease is lost (renewal refused or too late) or released. */
  lost: Promise<void>;
  /** Gives the lease up at once so another replica can take it. */
  release(): Promise<void>;
}

/** The outcome of acquire: the lease, or who holds it. */
export type Acquired = { ok: true; lease: Lease } | { ok: false; owner: string };

/** Leases of one bucket. */
export interface Leases {
  /** Takes the lease of `key` for `holder` if nobody holds it. */
  acquire(key: string, holder: string): Promise<Acquired>;
  /** The current holder of `key`, if any. */
  owner(key: string): Promise<string | undefined>;
  /** Stops renewing every lease taken here (they expire; call release() to hand over at once). */
  close(): void;
}

const KEY = /^[-/_=.a-zA-Z0-9]{1,256}$/;
/** Share of the TTL not trusted, for timer delays and server-side expiry granularity. */
const MARGIN = 0.2;

/** Opens (creating if needed) the lease bucket. */
export async function openLeases(options: LeasesOptions): Promise<Leases> {
  const ttlMs = options.ttlMs ?? 10_000;
  const kv: KV = await openKvBucket(options.nc, options.bucket ?? "strata_leases", {
    ttl: ttlMs,
    history: 1,
    replicas: options.replicas ?? 1,
  });
  const held = new Set<() => void>();
  const encoder = new TextEncoder();

  async function acquire(key: string, holder: string): Promise<Acquired> {
    if (!KEY.test(key)) throw new TypeError(`Cannot take a lease: '${key}' is not a KV key`);
    const sent = performance.now();
    let revision: number;
    try {
      revision = await kv.create(key, encoder.encode(holder));
    } catch {
      return { ok: false, owner: (await owner(key)) ?? "" };
    }
    let validUntil = sent + ttlMs * (1 - MARGIN);
    let resolveLost!: () => void;
    const lost = new Promise<void>((r) => (resolveLost = r));
    let stopped = false;
    /** False once a renewal was refused: the key may be another holder's, never delete it. */
    let ours = true;
    /** The renewal in flight, if any: at most one (two with one revision: the second fails). */
    let renewing: Promise<void> | undefined;
    const stop = () => {
      if (stopped) return;
      stopped = true;
      validUntil = 0;
      clearInterval(timer);
      held.delete(stop);
      resolveLost();
    };
    const renew = async () => {
      const at = performance.now();
      try {
        revision = await kv.update(key, encoder.encode(holder), revision);
        if (!stopped) validUntil = at + ttlMs * (1 - MARGIN);
      } catch {
        ours = false;
        stop(); // someone else's now, expired, or NATS is away: stop trusting it
      }
    };
    const timer = setInterval(() => {
      // A renewal slower than the period (a loaded NATS or replica) is not doubled: a second
      // update with the same revision would be refused and drop a lease that is still ours.
      if (renewing || stopped) return;
      renewing = renew().finally(() => (renewing = undefined));
    }, Math.max(50, Math.floor(ttlMs / 4)));
    held.add(stop);
    return {
      ok: true,
      lease: {
        key,
        holder,
        valid: () => !stopped && performance.now() < validUntil,
        lost,
        async release() {
          stop();
          // A renewal still in flight may yet write a newer revision of ours: wait for it, so the
          // delete below names our latest entry (else it would outlive the release by a TTL).
          await renewing;
          if (!ours) return; // lost: the entry, if any, is another holder's
          // Delete only our own entry (compare-and-set on the revision).
          await kv.delete(key, { previousSeq: revision }).catch(() => {});
        },
      },
    };
  }

  async function owner(key: string): Promise<string | undefined> {
    const e = await kv.get(key);
    return e && e.operation === "PUT" ? e.string() : undefined;
  }

  return {
    acquire,
    owner,
    close() {
      for (const stop of [...held]) stop();
    },
  };
}
