/** The embedded backend: SQLite through the built-in `node:sqlite`, behind the Db interface. */

import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import type { Db, Row, SqlValue } from "./types.ts";
import { rewritePlaceholders } from "./_placeholders.ts";
import { assertActive, Mutex, TxContext, type TxState } from "./_tx_context.ts";

/** Options for openSqlite. */
export interface SqliteOptions {
  /**
   * How long a write waits for another connection's write lock. The wait is asynchronous
   * (retry with backoff), so the event loop keeps serving meanwhile. @default 5000
   */
  busyTimeoutMs?: number;
  /** Prepared statements kept for reuse. @default 256 */
  statementCacheSize?: number;
}

/**
 * Opens (creating if needed) a SQLite database file, or ":memory:". WAL mode lets readers in
 * other processes proceed during a write; foreign keys are enforced. Integers come back as
 * numbers (bigint only beyond 2^53), booleans bind as 0/1 and read back as 0/1.
 */
export function openSqlite(path: string, options: SqliteOptions = {}): Db {
  const db = new DatabaseSync(path);
  try {
    // Opening may meet another process finishing with the file (a CLI command that just
    // exited, a checkpoint): SQLite's own busy wait is fine here, before anything is served.
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    if (path !== ":memory:") {
      db.exec("PRAGMA journal_mode = WAL");
      // With WAL, NORMAL is durable against application crashes and much faster than FULL.
      db.exec("PRAGMA synchronous = NORMAL");
    }
    db.exec("PRAGMA foreign_keys = ON");
    // From now on: SQLite's busy wait sleeps inside the call and would freeze the whole process
    // (and deadlock against a second connection in this process); we wait asynchronously instead.
    db.exec("PRAGMA busy_timeout = 0");
  } catch (error) {
    db.close();
    throw new Error(`Cannot open SQLite database '${path}': ${(error as Error).message}`, {
      cause: error,
    });
  }
  return new SqliteDb(db, path, {
    cacheSize: options.statementCacheSize ?? 256,
    busyTimeoutMs: Math.max(0, options.busyTimeoutMs ?? 5000),
  });
}

/**
 * One connection. Statements are synchronous, so only transactions need care: a mutex gives
 * each `transaction()` the connection from BEGIN IMMEDIATE to COMMIT, and plain calls from other
 * async contexts wait until it is done rather than landing inside someone else's transaction.
 */
class SqliteDb implements Db {
  readonly kind = "sqlite" as const;
  #db: DatabaseSync;
  #path: string;
  #cacheSize: number;
  #busyTimeoutMs: number;
  #statements = new Map<string, { stmt: StatementSync; maxIndex: number }>();
  #mutex = new Mutex();
  #tx = new TxContext();
  #closed = false;

  constructor(
    db: DatabaseSync,
    path: string,
    limits: { cacheSize: number; busyTimeoutMs: number },
  ) {
    this.#db = db;
    this.#path = path;
    this.#cacheSize = limits.cacheSize;
    this.#busyTimeoutMs = limits.busyTimeoutMs;
  }

  query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.#outside(() => this.#query(sql, params) as T[]);
  }

  exec(sql: string): Promise<void> {
    return this.#outside(() => this.#exec(sql));
  }

  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    const joined = this.#tx.current();
    if (joined) return fn(joined.handle);
    this.#assertOpen();
    const release = await this.#mutex.acquire();
    const state = { active: true } as TxState;
    state.handle = this.#handle(state);
    try {
      this.#assertOpen();
      await this.#whenNotBusy(() => this.#db.exec("BEGIN IMMEDIATE"));
      try {
        const result = await this.#tx.run(state, () => fn(state.handle));
        this.#db.exec("COMMIT");
        return result;
      } catch (error) {
        if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
        throw error;
      }
    } finally {
      state.active = false;
      release();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const release = await this.#mutex.acquire();
    try {
      this.#statements.clear();
      this.#db.close();
    } finally {
      release();
    }
  }

  /** Runs a plain call: inside the caller's transaction, at once, or after the running one. */
  async #outside<T>(run: () => T): Promise<T> {
    const joined = this.#tx.current();
    if (joined) return run();
    this.#assertOpen();
    if (this.#mutex.idle) {
      try {
        return run();
      } catch (error) {
        if (!isBusy(error)) throw error;
        // Retry below, holding the mutex so no transaction of ours starts meanwhile.
      }
    }
    const release = await this.#mutex.acquire();
    try {
      this.#assertOpen();
      return await this.#whenNotBusy(run);
    } finally {
      release();
    }
  }

  /** Retries `run` while another connection holds the write lock, up to busyTimeoutMs. */
  async #whenNotBusy<T>(run: () => T): Promise<T> {
    const deadline = Date.now() + this.#busyTimeoutMs;
    for (let delay = 1;; delay = Math.min(delay * 2, 50)) {
      try {
        return run();
      } catch (error) {
        if (!isBusy(error) || Date.now() >= deadline) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  /** The Db a transaction callback receives: direct access while the transaction is open. */
  #handle(state: TxState): Db {
    function run<T>(fn: () => T): Promise<T> {
      return Promise.resolve().then(() => {
        assertActive(state);
        return fn();
      });
    }
    const handle: Db = {
      kind: "sqlite",
      query: <T extends Row = Row>(sql: string, params: readonly SqlValue[] = []) =>
        run(() => this.#query(sql, params) as T[]),
      exec: (sql: string) => run(() => this.#exec(sql)),
      transaction: <T>(fn: (tx: Db) => Promise<T>) => run(() => handle).then(fn),
      close: () => Promise.reject(new Error("Cannot close a transaction handle; close the Db")),
    };
    return handle;
  }

  #query(sql: string, params: readonly SqlValue[]): Row[] {
    const stmt = this.#prepare(sql, params.length);
    const rows = stmt.all(...params.map(toSqlite)) as Record<string, unknown>[];
    return rows.map(toRow);
  }

  #exec(sql: string): void {
    this.#db.exec(sql);
  }

  #prepare(sql: string, paramCount: number): StatementSync {
    let entry = this.#statements.get(sql);
    if (entry) {
      // Re-inserted below to keep the map in least-recently-used order.
      this.#statements.delete(sql);
    } else {
      const rewritten = rewritePlaceholders(sql);
      const stmt = this.#db.prepare(rewritten.sql);
      stmt.setReadBigInts(true);
      entry = { stmt, maxIndex: rewritten.maxIndex };
      if (this.#statements.size >= this.#cacheSize) {
        this.#statements.delete(this.#statements.keys().next().value!);
      }
    }
    this.#statements.set(sql, entry);
    // SQLite would bind missing parameters as NULL; PostgreSQL rejects the mismatch, so do we.
    if (entry.maxIndex !== paramCount) {
      throw new RangeError(
        `Query uses ${entry.maxIndex} parameter(s) but ${paramCount} were given: ${sql}`,
      );
    }
    return entry.stmt;
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error(`Cannot use SQLite database '${this.#path}': it is closed`);
  }
}

/** SQLITE_BUSY and its extended codes: another connection holds the lock. */
function isBusy(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  // Statement errors carry `errcode`; Deno's DatabaseSync.exec errors carry only the message.
  const code = (error as { errcode?: unknown }).errcode;
  if (typeof code === "number") return (code & 0xff) === 5;
  return error.message === "database is locked";
}

/** Safe integers bind as INTEGER (a JS number would bind as REAL: 5 → "5.0" in a TEXT column). */
function toSqlite(value: SqlValue): SQLInputValue {
  if (typeof value === "boolean") return value ? 1n : 0n;
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  return value;
}

/** A plain object whose integers are numbers, keeping bigint only where a number would round. */
function toRow(raw: Record<string, unknown>): Row {
  const row: Row = {};
  for (const key in raw) {
    const value = raw[key];
    row[key] = typeof value === "bigint" && value <= MAX && value >= MIN ? Number(value) : value;
  }
  return row;
}

const MAX = BigInt(Number.MAX_SAFE_INTEGER);
const MIN = BigInt(Number.MIN_SAFE_INTEGER);
