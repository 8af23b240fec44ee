/**
 * Open sessions by id, scoped by tenant: a session id from another tenant is simply not found.
 * Opening the same notebook folder twice (same tenant) returns the same session, so every
 * browser tab and agent sees one state and one run queue.
 */
import { NotFoundError } from "../errors.ts";
import type { Tenant } from "../tenancy/tenant_id.ts";
import type { SessionSecrets } from "../secrets/session_secrets.ts";
import { NotebookSession, type SessionDeps } from "./notebook_session.ts";

/** Options for SessionRegistry. */
export interface SessionRegistryOptions {
  /** Most sessions kept open; the least recently used idle one is closed beyond it. @default 64 */
  maxSessions?: number;
  /** Creates the secret state of a new session (absent: no secret manager support). */
  secrets?: (scope: { tenantId: string; tenantHash: string; path: string }) => SessionSecrets;
}

/** The server's open sessions. */
export class SessionRegistry {
  #deps: SessionDeps;
  #options: SessionRegistryOptions;
  #byId = new Map<string, NotebookSession>();
  #opening = new Map<string, Promise<NotebookSession>>();

  constructor(deps: SessionDeps, options: SessionRegistryOptions = {}) {
    this.#deps = deps;
    this.#options = options;
  }

  /** Opens (or returns the open) session of a notebook folder for a tenant. */
  async open(tenant: Tenant, root: string, displayPath: string): Promise<NotebookSession> {
    const key = `${tenant.hash}\0${root}`;
    for (const s of this.#byId.values()) {
      if (s.scope.tenantHash === tenant.hash && s.root === root) {
        s.lastUsed = Date.now();
        return s;
      }
    }
    const pending = this.#opening.get(key);
    if (pending) return await pending;
    const opening = NotebookSession.open(root, {
      tenantId: tenant.id,
      tenantHash: tenant.hash,
      path: displayPath,
      secrets: this.#options.secrets?.({
        tenantId: tenant.id,
        tenantHash: tenant.hash,
        path: displayPath,
      }),
    }, this.#deps);
    this.#opening.set(key, opening);
    try {
      const session = await opening;
      this.#byId.set(session.id, session);
      this.#evict();
      return session;
    } finally {
      this.#opening.delete(key);
    }
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
    const idle = [...this.#byId.values()].filter((s) => !s.busy && s.events.size === 0)
      .sort((a, b) => a.lastUsed - b.lastUsed);
    for (const s of idle.slice(0, this.#byId.size - max)) {
      s.dispose(); // issue 15: frees the language service
      this.#byId.delete(s.id);
    }
  }
}
