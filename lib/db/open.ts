/** Picks the storage backend from configuration: PostgreSQL for a postgres URL, else SQLite. */

import type { Logger } from "../log.ts";
import type { Db } from "./types.ts";
import { openPostgres, type PostgresOptions } from "./postgres.ts";
import { openSqlite, type SqliteOptions } from "./sqlite.ts";

/** Options for openDb. */
export interface OpenDbOptions {
  /**
   * `postgres://` / `postgresql://` selects PostgreSQL; `sqlite:<path>`, `file:<path>` or a plain
   * path selects SQLite at that path. Empty or absent: SQLite at `sqlitePath`.
   */
  databaseUrl?: string;
  /** The embedded database file used when no URL is given (e.g. ~/.strata/strata.db). */
  sqlitePath: string;
  /** Server notices and similar chatter (debug level). */
  log?: Logger;
  /** Extra PostgreSQL pool settings. */
  postgres?: Omit<PostgresOptions, "log">;
  /** Extra SQLite settings. */
  sqlite?: SqliteOptions;
}

/** Where the chosen database lives, for the start-up banner and logs (no password). */
export interface DbTarget {
  kind: "sqlite" | "postgres";
  /** The SQLite file path, or the PostgreSQL URL with its password masked. */
  location: string;
}

/** Resolves which backend and location `options` select, without opening anything. */
export function resolveDbTarget(options: OpenDbOptions): DbTarget {
  const url = options.databaseUrl?.trim() ?? "";
  if (/^postgres(ql)?:\/\//i.test(url)) return { kind: "postgres", location: maskPassword(url) };
  if (url === "") return { kind: "sqlite", location: options.sqlitePath };
  if (/^sqlite:/i.test(url)) return { kind: "sqlite", location: sqliteUrlPath(url) };
  if (/^file:/i.test(url)) {
    return { kind: "sqlite", location: decodeURIComponent(new URL(url).pathname) };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new TypeError(
      `Cannot open database: URL scheme of '${maskPassword(url)}' is not supported ` +
        "(use postgres://, postgresql://, sqlite:<path> or a file path)",
    );
  }
  return { kind: "sqlite", location: url };
}

/**
 * Opens the metadata database: PostgreSQL when `databaseUrl` is a postgres URL, else SQLite
 * (creating the file's parent folder). Synchronous: it runs once at start-up. PostgreSQL
 * connects lazily, so an unreachable server shows at the first query. Call `migrate(db)` next.
 */
export function openDb(options: OpenDbOptions): Db {
  const target = resolveDbTarget(options);
  if (target.kind === "postgres") {
    return openPostgres(options.databaseUrl!.trim(), { ...options.postgres, log: options.log });
  }
  if (target.location !== ":memory:") {
    const parent = parentDir(target.location);
    if (parent) Deno.mkdirSync(parent, { recursive: true });
  }
  return openSqlite(target.location, options.sqlite);
}

/** `sqlite:///abs/path`, `sqlite://rel/path`, `sqlite:rel/path`, `sqlite::memory:`. */
function sqliteUrlPath(url: string): string {
  let rest = url.slice("sqlite:".length);
  if (rest.startsWith("//")) rest = rest.slice(2);
  if (rest === "" || rest === ":memory:") return rest || ":memory:";
  return decodeURIComponent(rest);
}

function parentDir(path: string): string {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return i > 0 ? path.slice(0, i) : "";
}

function maskPassword(url: string): string {
  return url.replace(/^(\w+:\/\/[^:/@]*):[^@/]*@/, "$1:***@");
}
