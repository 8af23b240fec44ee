/**
 * Open sessions by id, scoped by tenant: a session id from another tenant is simply not found.
 * Opening the same notebook folder twice (same tenant) returns the same session, so every
 * browser tab and agent sees one state and one run queue.
 */
import { NotFoundError } from "../errors.ts";
import type { Tenant } from "../tenancy/tenant_id.ts";
import type { NotebookSession, SessionScope } from "./notebook_session.ts";

/**
 * Session ownership across replicas (issue 21, lib/cluster/ownership.ts): session ids derived
 * from tenant and path, and a lease taken before a session is opened (or used) here.
 */
export interface SessionOwnership {
  /** The id every replica gives the session of the notebook shown at `path`. */
  sessionIdOf(tenant: Tenant, path: string): Promise<string>;
  /** Takes (or checks) this replica's lease of the session; throws when another replica owns it. */
  claim(
    sessionId: string,
    scope: { tenantId: string; tenantHash: string; path: string },
  ): Promise<void>;
  /** A session was opened here (its events go to every replica). */
  opened(session: NotebookSession): void;
  /** A session was closed here (its lease is handed over). */
  closed(session: NotebookSession): void;
}

/**
 * Opens one notebook's session (`NotebookSession.open` with the process's dependencies and
 * secrets). Issue 20: lib/services.ts passes one that loads the session modules on first use.
 */
export type OpenSession = (root: string, scope: SessionScope) => Promise<NotebookSession>;

/** Options for SessionRegistry. */
export interface SessionRegistryOptions {
  /** Most sessions kept open; the least recently used idle one is closed beyond it. @default 64 */
  maxSessions?: number;
  /** Absent: sessions live in this process only (personal mode, one replica). */
  ownership?: SessionOwnership;
}

/** The server's open sessions. */
export class SessionRegistry {
  #open: OpenSession;
  #options: SessionRegistryOptions;
  #byId = new Map<string, NotebookSession>();
  #opening = new Map<string, Promise<NotebookSession>>();

  constructor(open: OpenSession, options: SessionRegistryOptions = {}) {
    this.#open = open;
    this.#options = options;
  }

  /** Opens (or returns the open) session of a notebook folder for a tenant. */
  async open(tenant: Tenant, root: string, displayPath: string): Promise<NotebookSession> {
    const key = `${tenant.hash}\0${root}`;
    const ownership = this.#options.ownership;
    const scope = { tenantId: tenant.id, tenantHash: tenant.hash, path: displayPath };
    for (const s of this.#byId.values()) {
      if (s.scope.tenantHash === tenant.hash && s.root === root) {
        await ownership?.claim(s.id, scope); // issue 21: still ours, or another replica's
        s.lastUsed = Date.now();
        return s;
      }
    }
    const pending = this.#opening.get(key);
    if (pending) return await pending;
    const opening = (async () => {
      // Issue 21: in a cluster, a session is opened only under this replica's lease.
      const sessionId = await ownership?.sessionIdOf(tenant, displayPath);
      if (sessionId) await ownership!.claim(sessionId, scope);
      try {
        return await this.#open(root, { ...scope, sessionId });
      } catch (err) {
        if (sessionId) ownership!.closed({ id: sessionId } as NotebookSession); // hand it back
        throw err;
      }
    })();
    this.#opening.set(key, opening);
    try {
      const session = await opening;
      this.#byId.set(session.id, session);
      ownership?.opened(session);
      this.#evict();
      return session;
    } finally {
      this.#opening.delete(key);
    }
  }

  /** Whether the session `sessionId` is open here (any tenant). */
  has(sessionId: string): boolean {
    return this.#byId.has(sessionId);
  }

  /** The session with this id for this tenant, or NotFoundError. */
  get(tenant: Tenant, sessionId: string): NotebookSession {
    const s = this.#byId.get(sessionId);
    if (!s || s.scope.tenantHash !== tenant.hash) {
      throw new NotFoundError(`Session '${sessionId}' not found (open the notebook again)`);
    }
    s.lastUsed = Date.now();
    return s;
  }

  /** Sessions open for a folder (any tenant), e.g. before deleting it. */
  byRoot(root: string): NotebookSession[] {
    return [...this.#byId.values()].filter((s) => s.root === root || s.root.startsWith(root + "/"));
  }

  /** Forgets a session (cancelling its run). */
  close(sessionId: string): void {
    const s = this.#byId.get(sessionId);
    s?.cancel();
    s?.dispose(); // issue 15: frees the language service
    this.#byId.delete(sessionId);
    if (s) this.#options.ownership?.closed(s); // issue 21: the lease is handed over
  }

  /** Whether any open session's cells currently use this provenance (artifact GC keeps it). */
  isCurrentProvenance(provenance: string): boolean {
    for (const s of this.#byId.values()) {
      for (const p of s.model.provenance.values()) if (p.provenance === provenance) return true;
    }
    return false;
  }

  /** Number of open sessions. */
  get size(): number {
    return this.#byId.size;
  }

  #evict(): void {
    const max = this.#options.maxSessions ?? 64;
    if (this.#byId.size <= max) return;
    // Issue 21: in a cluster the owner's relay of events to other replicas is one listener.
    const relay = this.#options.ownership ? 1 : 0;
    const idle = [...this.#byId.values()].filter((s) => !s.busy && s.events.size <= relay)
      .sort((a, b) => a.lastUsed - b.lastUsed);
    for (const s of idle.slice(0, this.#byId.size - max)) {
      s.dispose(); // issue 15: frees the language service
      this.#byId.delete(s.id);
      this.#options.ownership?.closed(s);
    }
  }
}
