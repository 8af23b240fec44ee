/** The scale-out backend: PostgreSQL through postgres.js, behind the Db interface. */

import type postgres from "postgres";
import type { Logger } from "../log.ts";
import type { Db, Row, SqlValue } from "./types.ts";
import { assertActive, TxContext, type TxState } from "./_tx_context.ts";
import { importOptional } from "../optional_import.ts";

/** Options for openPostgres. */
export interface PostgresOptions {
  /** Connections in the pool. Each open transaction holds one. @default 5 */
  max?: number;
  /** Close a connection idle this long. @default 30 */
  idleTimeoutSeconds?: number;
  /** Give up connecting after this long. @default 10 */
  connectTimeoutSeconds?: number;
  /** `close()` waits this long for running queries before cutting connections. @default 5 */
  closeTimeoutSeconds?: number;
  /** Use named prepared statements; turn off behind a transaction-mode pgbouncer. @default true */
  prepare?: boolean;
  /** Server notices (e.g. "relation already exists, skipping") go here at debug level. */
  log?: Logger;
}

// deno-lint-ignore no-explicit-any
type Sql = postgres.Sql<any>;

/**
 * Opens a pool to `url` (postgres:// or postgresql://). Nothing happens until the first call:
 * postgres.js is imported then (≈25 ms that personal mode never pays) and connections are made
 * on demand, so an unreachable server shows at the first query, not here. int8 values (COUNT,
 * BIGINT columns) come back as numbers when they fit in 2^53, else as bigint, matching the
 * SQLite backend; bytea comes back as a plain Uint8Array.
 */
export function openPostgres(url: string, options: PostgresOptions = {}): Db {
  const log = options.log;
  async function connect(): Promise<Sql> {
    // Lazily fetched: personal mode (SQLite) never downloads the driver.
    const { default: connectPg } = await importOptional<{ default: typeof postgres }>("postgres");
    return connectPg(url, {
      max: options.max ?? 5,
      idle_timeout: options.idleTimeoutSeconds ?? 30,
      connect_timeout: options.connectTimeoutSeconds ?? 10,
      prepare: options.prepare ?? true,
      fetch_types: false,
      onnotice: (notice) => log?.debug("postgres notice", { message: notice.message }),
      connection: { application_name: "strata" },
      types: {
        int8: {
          to: 20,
          from: [20],
          serialize: (x: bigint | number) => String(x),
          parse: parseInt8,
        },
        bytea: { to: 17, from: [17], serialize: serializeBytea, parse: parseBytea },
      },
    }) as unknown as Sql;
  }
  return new PostgresDb(connect, options.closeTimeoutSeconds ?? 5);
}

/** A pool; transactions get a dedicated connection through `sql.begin`. */
class PostgresDb implements Db {
  readonly kind = "postgres" as const;
  #connect: () => Promise<Sql>;
  #sql: Promise<Sql> | undefined;
  #closeTimeout: number;
  #tx = new TxContext();
  #closed = false;

  constructor(connect: () => Promise<Sql>, closeTimeout: number) {
    this.#connect = connect;
    this.#closeTimeout = closeTimeout;
  }

  async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const joined = this.#tx.current();
    if (joined) return await joined.handle.query<T>(sql, params);
    return await runQuery<T>(await this.#pool(), sql, params);
  }

  async exec(sql: string): Promise<void> {
    const joined = this.#tx.current();
    if (joined) return await joined.handle.exec(sql);
    await (await this.#pool()).unsafe(sql);
  }

  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    const joined = this.#tx.current();
    if (joined) return await fn(joined.handle);
    const result = await (await this.#pool()).begin(async (sql) => {
      const state = { active: true } as TxState;
      state.handle = txHandle(sql as unknown as Sql, state);
      try {
        return { value: await this.#tx.run(state, () => fn(state.handle)) };
      } finally {
        state.active = false;
      }
    });
    return (result as { value: T }).value;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#sql) await (await this.#sql).end({ timeout: this.#closeTimeout });
  }

  #pool(): Promise<Sql> {
    if (this.#closed) return Promise.reject(closedError());
    this.#sql ??= this.#connect();
    return this.#sql;
  }
}

/** The Db a transaction callback receives; it runs on the transaction's connection. */
function txHandle(sql: Sql, state: TxState): Db {
  return {
    kind: "postgres",
    query<T extends Row = Row>(text: string, params: readonly SqlValue[] = []): Promise<T[]> {
      try {
        assertActive(state);
      } catch (error) {
        return Promise.reject(error);
      }
      return runQuery<T>(sql, text, params);
    },
    async exec(text: string): Promise<void> {
      assertActive(state);
      await sql.unsafe(text);
    },
    transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
      assertActive(state);
      return fn(this);
    },
    close(): Promise<void> {
      return Promise.reject(new Error("Cannot close a transaction handle; close the Db"));
    },
  };
}

/** One statement over the extended protocol (never several statements in one string). */
async function runQuery<T extends Row>(
  sql: Sql,
  text: string,
  params: readonly SqlValue[],
): Promise<T[]> {
  // deno-lint-ignore no-explicit-any
  const rows = await sql.unsafe(text, params as any[], { simple: false } as any);
  return Array.from(rows) as unknown as T[];
}

function closedError(): Error {
  return new Error("Cannot use PostgreSQL database: it is closed");
}

function parseInt8(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

function serializeBytea(bytes: Uint8Array): string {
  let hex = "\\x";
  for (const b of bytes) hex += HEX[b];
  return hex;
}

function parseBytea(text: string): Uint8Array {
  // Text format is "\x" followed by two hex digits per byte.
  const out = new Uint8Array((text.length - 2) / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = parseInt(text.slice(2 + i * 2, 4 + i * 2), 16);
  }
  return out;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
