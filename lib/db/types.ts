/** The one storage interface: SQLite (node:sqlite) and PostgreSQL (postgres.js) implement it. */

/** A value that can be bound as a query parameter. */
export type SqlValue = string | number | bigint | boolean | null | Uint8Array;

/** A result row: column name to value. */
export type Row = Record<string, unknown>;

/**
 * A database connection. SQL is written once with `$1, $2, ...` placeholders; the SQLite
 * backend rewrites them to `?1, ?2, ...`. Dialect-specific DDL lives in migrations only.
 */
export interface Db {
  /** "sqlite" or "postgres": for the few queries that must differ. */
  readonly kind: "sqlite" | "postgres";
  /** Runs one parameterised statement and returns its rows (empty for writes without RETURNING). */
  query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Runs a script of statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /** Runs `fn` in one transaction; rolls back if it throws. Nested calls join the outer one. */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /** Closes the connection; further calls fail. */
  close(): Promise<void>;
}
