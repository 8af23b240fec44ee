/**
 * Session ownership across replicas (issue 21 item 2), wired: with `[cluster] nats_url` set,
 * every open notebook has one owner replica, held as a lease in NATS KV (lease.ts). The
 * dispatcher of every replica is wrapped so that a command touching a notebook runs where its
 * owner is:
 *
 * - the command's notebook key is its session id (`sid` in the input), or the session id of the
 *   notebook folder it names by `path` (notebook.open, notebook.create, app.*,
 *   notebook.delete_by_path); session ids are derived from (tenant hash, display path), so every
 *   replica names a notebook's session alike;
 * - this replica holds a valid lease: run here; nobody holds it: take it (re-opening the session
 *   from the notebook files and the artifact index if it is not open here) and run here; another
 *   replica holds it: forward (forward.ts), its dispatcher enforces scope, ACL, QoS and audit, the
 *   one policy point; the owner is gone: retry until its lease expires, then take it over;
 * - a session is only ever opened here under a lease this replica holds (the registry asks
 *   `claim` first), and a lost lease closes the session at once: never two owners acting.
 *
 * Events: the owner publishes every event of the sessions it owns on a per-notebook subject, and
 * `notebook.watch` (the WebSocket, the page, MCP progress) on any replica subscribes to that
 * subject and takes its first state through `notebook.state` (forwarded like any command). Event
 * and state sequence numbers are offset by a per-owner base, larger on each new owner, so a
 * client's "ignore older" check keeps working after a fail-over.
 */
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type { KV } from "@nats-io/kv";
import { openKvBucket } from "./jetstream.ts";
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  StorageFullError,
  StrataError,
  UnauthorizedError,
  ValidationError,
} from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Caller } from "../commands/command.ts";
import type { CommandDeps } from "../commands/deps.ts";
import type { Dispatcher } from "../commands/dispatcher.ts";
import type { Envelope, Listener } from "../session/events.ts";
import type { NotebookSession } from "../session/notebook_session.ts";
import { displayPath, notebookSlug, resolveNotebookPath } from "../session/paths.ts";
import type { SessionOwnership, SessionRegistry } from "../session/registry.ts";
import type { Tenant } from "../tenancy/tenant_id.ts";
import { forwardCommand, type ForwardedAnswer, lostAnswer, serveForwarded } from "./forward.ts";
import { type Lease, type Leases, openLeases } from "./lease.ts";

/** Thrown where a session would be opened or used here while another replica owns it. */
export class NotOwnerError extends StrataError {
  readonly owner: string;
  constructor(owner: string) {
    super("not_owner", `Another replica ('${owner}') owns this notebook's session`);
    this.owner = owner;
  }
}

/** What the sid map remembers of a session: enough for any replica to re-open it. */
interface SidEntry {
  tenantId: string;
  tenantHash: string;
  path: string;
  /** Sequence base of the last owner (each new owner takes a larger one). */
  seqBase?: number;
}

/** Options for openOwnership. */
export interface OwnershipOptions {
  nc: NatsConnection;
  /** Closes `nc` on close(). */
  ownsConnection?: boolean;
  /** This replica's id (lease holder and command subject token). */
  replicaId: string;
  /** First token of subjects (the `[cluster] subject_prefix`). */
  prefix: string;
  leaseTtlMs: number;
  /** KV replicas (3 on a 3-node NATS cluster). */
  replicas?: number;
  log: Logger;
  /** How long a command waits for a gone owner's lease to expire. @default max(20 s, 2 × TTL) */
  takeoverMs?: number;
  /** @default "strata_leases" / "strata_sessions" */
  buckets?: { leases?: string; sessions?: string };
}

/** The ownership of this replica: the registry's hooks, and the dispatcher wrapper. */
export interface Ownership extends SessionOwnership {
  readonly replicaId: string;
  /** Gives the ownership the registry whose sessions it guards (once, before use). */
  attach(sessions: SessionRegistry): void;
  /** Wraps the replica's dispatcher (and answers commands other replicas forward here). */
  wrap<D extends Dispatcher>(dispatcher: D, deps: CommandDeps): D;
  /** Whether this replica holds a valid lease of the session (health / tests). */
  owns(sessionId: string): boolean;
  /** Session ids this replica holds a valid lease of. */
  owned(): string[];
  /** Hands every lease over (released at once) and closes the connection. */
  close(): Promise<void>;
}

const SID = /^[0-9a-f]{32}$/;
/** Commands that name their notebook folder by `path`, and how to read it from the input. */
const PATH_OF: Record<string, (input: Record<string, unknown>) => unknown> = {
  "notebook.open": (i) => i.path,
  "notebook.create": (i) =>
    i.path ?? (typeof i.name === "string" ? notebookSlug(i.name) : undefined),
  "notebook.delete_by_path": (i) => i.path,
  "app.open": (i) => i.path,
  "app.run": (i) => i.path,
  "app.set_widget": (i) => i.path,
};
/** How long a forwarded command may run at the owner (a cell run can be long). */
const FORWARD_TIMEOUT_MS = 15 * 60_000;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The session id every replica gives the notebook shown at `path` for a tenant. */
export async function clusterSessionId(tenantHash: string, path: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    encoder.encode(`strata-session\0${tenantHash}\0${path}`),
  );
  return Array.from(new Uint8Array(digest).slice(0, 16), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/** Opens the lease and sid-map buckets of this replica. */
export async function openOwnership(options: OwnershipOptions): Promise<Ownership> {
  const { nc, replicaId, prefix, log } = options;
  const takeoverMs = options.takeoverMs ?? Math.max(20_000, 2 * options.leaseTtlMs);
  const leases: Leases = await openLeases({
    nc,
    ttlMs: options.leaseTtlMs,
    replicas: options.replicas,
    bucket: options.buckets?.leases,
  });
  const map: KV = await openKvBucket(nc, options.buckets?.sessions ?? "strata_sessions", {
    history: 1,
    replicas: options.replicas ?? 1,
  });
  const held = new Map<string, Lease>();
  const seqBase = new Map<string, number>();
  const publishers = new Map<string, () => void>();
  let registry: SessionRegistry | undefined;
  let server: Subscription | undefined;

  const owns = (sid: string) => held.get(sid)?.valid() === true;

  async function readEntry(sid: string): Promise<{ entry: SidEntry; revision: number } | null> {
    const e = await map.get(sid);
    if (!e || e.operation !== "PUT") return null;
    try {
      return { entry: JSON.parse(decoder.decode(e.value)) as SidEntry, revision: e.revision };
    } catch {
      return null;
    }
  }

  /** Takes the lease of `sid` (or keeps a valid one); NotOwnerError when another holds it. */
  async function claim(
    sid: string,
    scope: { tenantId: string; tenantHash: string; path: string },
  ): Promise<void> {
    if (owns(sid)) return;
    const got = await leases.acquire(sid, replicaId);
    if (!got.ok) throw new NotOwnerError(got.owner);
    const lease = got.lease;
    held.set(sid, lease);
    lease.lost.then(() => {
      if (held.get(sid) !== lease) return;
      held.delete(sid);
      if (registry?.has(sid)) {
        log.warn("notebook lease lost: its session is closed here", { sid, replica: replicaId });
        registry.close(sid);
      }
    });
    // Each owner numbers events above every earlier owner (clients drop "older" states).
    const prev = await readEntry(sid).catch(() => null);
    const base = Math.max(Date.now() * 1000, (prev?.entry.seqBase ?? 0) + 2 ** 32);
    seqBase.set(sid, base);
    // Only these fields: a session's scope also holds its secret state, which never leaves.
    const entry: SidEntry = {
      tenantId: scope.tenantId,
      tenantHash: scope.tenantHash,
      path: scope.path,
      seqBase: base,
    };
    await map.put(sid, JSON.stringify(entry));
    log.info("notebook lease taken", { sid, replica: replicaId });
  }

  /** Adds the owner's sequence base to every state of session `sid` in a command's answer. */
  function offset(sid: string | undefined, value: unknown, depth = 0): unknown {
    if (!value || typeof value !== "object" || Array.isArray(value) || depth > 2) return value;
    const o = value as Record<string, unknown>;
    if (typeof o.sessionId === "string" && typeof o.seq === "number") {
      const base = seqBase.get(o.sessionId);
      return base === undefined ? o : { ...o, seq: o.seq + base };
    }
    let out: Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(o)) {
      if (!v || typeof v !== "object") continue;
      const w = offset(sid, v, depth + 1);
      if (w !== v) (out ??= { ...o })[k] = w;
    }
    return out ?? o;
  }

  function publish(sid: string, e: Envelope): void {
    const base = seqBase.get(sid) ?? 0;
    const event = {
      ...e,
      seq: e.seq + base,
      payload: e.type === "notebook_state" ? offset(sid, e.payload) : e.payload,
    };
    try {
      nc.publish(`${prefix}-events.${sid}`, JSON.stringify(event));
    } catch (err) {
      log.warn("session event not published to other replicas", {
        sid,
        type: e.type,
        error: (err as Error).message,
      });
    }
  }

  const hooks: SessionOwnership = {
    sessionIdOf: (tenant: Tenant, path: string) => clusterSessionId(tenant.hash, path),
    claim,
    opened(session: NotebookSession) {
      const sid = session.id;
      publishers.get(sid)?.();
      publishers.set(sid, session.events.subscribe((e) => publish(sid, e)));
      // A new owner re-built the session: every replica's clients resync from this state.
      publish(sid, {
        type: "notebook_state",
        seq: session.events.seq,
        ts: new Date().toISOString(),
        payload: session.state({ restored: true }),
      } as Envelope);
    },
    closed(session: NotebookSession) {
      const sid = session.id;
      publishers.get(sid)?.();
      publishers.delete(sid);
      const lease = held.get(sid);
      held.delete(sid);
      seqBase.delete(sid);
      void lease?.release();
    },
  };

  return {
    ...hooks,
    replicaId,
    attach(sessions) {
      registry = sessions;
    },
    owns,
    owned: () => [...held.keys()].filter(owns),
    wrap<D extends Dispatcher>(dispatcher: D, deps: CommandDeps): D {
      const sessions = deps.sessions;
      const inner = dispatcher.dispatch as (n: string, i: unknown, c: Caller) => Promise<unknown>;

      /** The session id a command touches, if any (undefined: it runs here). */
      async function keyOf(name: string, input: unknown, caller: Caller): Promise<string | null> {
        if (!input || typeof input !== "object") return null;
        const i = input as Record<string, unknown>;
        if (typeof i.sid === "string") return SID.test(i.sid) ? i.sid : null;
        const pathOf = PATH_OF[name];
        const path = pathOf?.(i);
        if (typeof path !== "string" || !path) return null;
        try {
          // The resolution folderTarget does, without creating anything (an error: run here, so
          // the caller gets the same error as without a cluster).
          const root = await deps.notebookRoot(caller.tenant);
          const shown = displayPath(root, await resolveNotebookPath(root, path));
          return await clusterSessionId(caller.tenant.hash, shown);
        } catch {
          return null;
        }
      }

      /** Opens here (under a lease) the session `sid` of the caller's tenant, if it exists. */
      async function ensureOpen(sid: string, caller: Caller): Promise<void> {
        if (sessions.has(sid)) {
          const s = sessions.get(caller.tenant, sid); // another tenant's: NotFoundError
          return await claim(sid, s.scope);
        }
        const found = await readEntry(sid);
        if (!found || found.entry.tenantHash !== caller.tenant.hash) return; // not found
        const tenant = { id: found.entry.tenantId, hash: found.entry.tenantHash };
        let abs: string;
        try {
          abs = await resolveNotebookPath(await deps.notebookRoot(tenant), found.entry.path);
        } catch {
          return; // the folder is gone: the command answers "not found"
        }
        await sessions.open(tenant, abs, found.entry.path);
        log.info("session re-opened from the notebook files", { sid, replica: replicaId });
      }

      /** Runs a command on this replica (its owner, or a command touching no session). */
      async function runHere(name: string, input: unknown, caller: Caller, sid: string | null) {
        if (sid) {
          await ensureOpen(sid, caller);
          if (sessions.has(sid) && !owns(sid)) {
            throw new NotOwnerError((await leases.owner(sid)) ?? "");
          }
        }
        return offset(sid ?? undefined, await inner(name, input, caller));
      }

      /** The owner's answer as the error the local dispatcher would have thrown. */
      function errorOf(a: Extract<ForwardedAnswer, { ok: false }>): StrataError {
        switch (a.code) {
          case "invalid_request":
            return new ValidationError(a.message);
          case "not_found":
            return new NotFoundError(a.message);
          case "forbidden":
            return new ForbiddenError(a.message);
          case "unauthorized":
            return new UnauthorizedError(a.message);
          case "conflict":
            return new ConflictError(a.message, { details: a.details });
          case "payload_too_large":
            return new PayloadTooLargeError(a.message);
          case "storage_full":
            return new StorageFullError(a.message);
          default:
            return new StrataError(a.code, a.message);
        }
      }

      /** Forwards to `owner`, or answers owner_unavailable as soon as its lease moves. */
      async function forwardTo(
        owner: string,
        name: string,
        input: unknown,
        caller: Caller,
        sid: string | null,
      ): Promise<ForwardedAnswer> {
        let accepted = false;
        const asked = forwardCommand(nc, {
          prefix,
          owner,
          timeoutMs: FORWARD_TIMEOUT_MS,
          accepted: () => accepted = true,
          command: {
            name,
            input,
            caller: {
              principal: caller.identity.principal,
              scopes: [...caller.identity.scopes],
              source: caller.identity.source,
              tenantId: caller.tenant.id,
              tenantHash: caller.tenant.hash,
              surface: caller.surface,
            },
          },
        });
        if (!sid) return await asked;
        // A long command at an owner that dies would hang: watch the lease meanwhile. An owner
        // that never said it took the command (it died first, before the NATS server noticed)
        // did not run it: the caller's retry below takes the notebook over and runs it once.
        let timer: ReturnType<typeof setInterval> | undefined;
        const moved = new Promise<ForwardedAnswer>((resolve) => {
          timer = setInterval(async () => {
            const now = await leases.owner(sid).catch(() => owner);
            if (now !== owner) resolve(lostAnswer(owner, accepted, "its lease moved"));
          }, Math.max(1000, options.leaseTtlMs / 2));
        });
        try {
          return await Promise.race([asked, moved]);
        } finally {
          clearInterval(timer);
        }
      }

      /** Runs a command where its notebook's owner is (forwarded: answer here or say not_owner). */
      async function route(
        name: string,
        input: unknown,
        caller: Caller,
        forwarded: boolean,
      ): Promise<unknown> {
        const sid = await keyOf(name, input, caller);
        const deadline = Date.now() + takeoverMs;
        let lastError = "";
        for (;;) {
          let owner: string | undefined;
          if (!sid || owns(sid) || (owner = await leases.owner(sid)) === undefined) {
            try {
              return await runHere(name, input, caller, sid);
            } catch (err) {
              if (!(err instanceof NotOwnerError)) throw err;
              owner = err.owner;
            }
          }
          if (forwarded) throw new NotOwnerError(owner ?? ""); // the sender asks again
          if (owner && owner !== replicaId) {
            const answer = await forwardTo(owner, name, input, caller, sid);
            if (answer.ok) return answer.output;
            if (answer.code === "owner_lost") {
              // It may have run there: sending it again could apply it twice.
              throw new StrataError(
                "owner_unavailable",
                `The command may or may not have been applied: ${answer.message}; ` +
                  "reload the notebook and retry",
              );
            }
            if (answer.code !== "owner_unavailable" && answer.code !== "not_owner") {
              throw errorOf(answer);
            }
            lastError = answer.message;
          }
          // The owner is gone (or our own stale entry): its lease expires within the TTL.
          if (Date.now() > deadline) {
            throw new StrataError(
              "owner_unavailable",
              `The replica owning this notebook did not answer and its lease did not expire ` +
                `in ${Math.round(takeoverMs / 1000)} s${lastError ? ` (${lastError})` : ""}; retry`,
            );
          }
          await new Promise((r) => setTimeout(r, 200));
        }
      }

      /**
       * `notebook.watch` on any replica: the notebook's events as the owner publishes them, and
       * its state through `notebook.state` (same scope and ACL resource, at the owner).
       */
      async function watch(input: unknown, caller: Caller) {
        const sid = (input as { sid?: unknown } | null)?.sid;
        const buffered: Envelope[] = [];
        let listener: Listener | undefined;
        const sub = typeof sid === "string" && SID.test(sid)
          ? nc.subscribe(`${prefix}-events.${sid}`, {
            callback: (_err, msg) => {
              let e: Envelope;
              try {
                e = msg.json() as Envelope;
              } catch {
                return;
              }
              if (listener) listener(e);
              else if (buffered.length < 1000) buffered.push(e);
            },
          })
          : undefined;
        let state: { seq: number };
        try {
          state = await route("notebook.state", input, caller, false) as { seq: number };
        } catch (err) {
          sub?.unsubscribe();
          throw err;
        }
        // Only the state is wanted (the page, the socket's pre-upgrade check): stop soon.
        const unused = setTimeout(() => listener ?? sub?.unsubscribe(), 15_000);
        return {
          events: {
            get seq() {
              return state.seq;
            },
            subscribe(l: Listener) {
              clearTimeout(unused);
              listener = l;
              for (const e of buffered.splice(0)) l(e);
              return () => sub?.unsubscribe();
            },
          },
          state: () => state,
        };
      }

      server = serveForwarded({
        nc,
        prefix,
        replicaId,
        dispatch: (name, input, caller) => route(name, input, caller, true),
        log,
      });
      const wrapped = {
        ...dispatcher,
        dispatch: (name: string, input: unknown, caller: Caller) =>
          name === "notebook.watch" ? watch(input, caller) : route(name, input, caller, false),
      };
      return wrapped as unknown as D;
    },
    async close() {
      server?.unsubscribe();
      for (const [sid, lease] of [...held]) {
        held.delete(sid);
        await lease.release().catch(() => {});
      }
      leases.close();
      if (options.ownsConnection) await nc.drain().catch(() => {});
    },
  };
}
