/**
 * Test support: run one test case against both backends, each on a fresh, migrated database
 * (a temp SQLite file, and a throwaway `strata_test_*` PostgreSQL database dropped afterwards).
 * Only test files import this module; it is the one place under lib/ that reads Deno.env, so a
 * developer can point the suite at another server without editing tests.
 */

import type { Db } from "./types.ts";
import { migrate } from "./migrate.ts";
import { openPostgres } from "./postgres.ts";
import { openSqlite } from "./sqlite.ts";

/** What a backend test case gets besides its Db. */
export interface BackendContext {
  kind: Db["kind"];
  /** Opens another connection (pool) to the same database; closed after the case. */
  connect(): Db;
}

/** A test case run on each backend. */
export type BackendCase = (db: Db, ctx: BackendContext) => Promise<void>;

/** Options for forEachBackend and withBackend. */
export interface BackendOptions {
  /** Apply the repo's migrations before the case. @default true */
  migrate?: boolean;
  /**
   * STRATA_TEST_PG_URL (admin connection; default postgres://postgres@127.0.0.1:5432/postgres)
   * and STRATA_TEST_SKIP_PG=1 (skip, with a notice, when PostgreSQL is unreachable).
   * @default read from Deno.env when the case runs
   */
  env?: { STRATA_TEST_PG_URL?: string; STRATA_TEST_SKIP_PG?: string };
}

/** Default server for the PostgreSQL variants. */
export const DEFAULT_TEST_PG_URL = "postgres://postgres@127.0.0.1:5432/postgres";

/**
 * Registers `${name} [sqlite]` and `${name} [postgres]`. An unreachable PostgreSQL fails the
 * postgres variant loudly unless STRATA_TEST_SKIP_PG=1, which turns it into an ignored step.
 */
export function forEachBackend(name: string, fn: BackendCase, options: BackendOptions = {}): void {
  for (const kind of ["sqlite", "postgres"] as const) {
    Deno.test(`${name} [${kind}]`, (t) => withBackend(kind, fn, { ...options, t }));
  }
}

/** Runs `fn` on a fresh database of one backend and removes the database afterwards. */
export async function withBackend(
  kind: Db["kind"],
  fn: BackendCase,
  options: BackendOptions & { t?: Deno.TestContext } = {},
): Promise<void> {
  if (kind === "sqlite") return await withSqlite(fn, options);
  return await withPostgres(fn, options);
}

async function withSqlite(fn: BackendCase, options: BackendOptions): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "strata_db_test_" });
  const path = `${dir}/strata.db`;
  const pool = connections(() => openSqlite(path));
  try {
    const db = pool.connect();
    if (options.migrate ?? true) await migrate(db);
    await fn(db, { kind: "sqlite", connect: pool.connect });
  } finally {
    await pool.closeAll();
    await Deno.remove(dir, { recursive: true });
  }
}

async function withPostgres(
  fn: BackendCase,
  options: BackendOptions & { t?: Deno.TestContext },
): Promise<void> {
  const env = options.env ?? {
    STRATA_TEST_PG_URL: Deno.env.get("STRATA_TEST_PG_URL"),
    STRATA_TEST_SKIP_PG: Deno.env.get("STRATA_TEST_SKIP_PG"),
  };
  const adminUrl = env.STRATA_TEST_PG_URL || DEFAULT_TEST_PG_URL;
  const admin = openPostgres(adminUrl, { max: 1, connectTimeoutSeconds: 5 });
  try {
    try {
      await admin.query("SELECT 1");
    } catch (error) {
      const reason = `PostgreSQL at ${maskPassword(adminUrl)} is unreachable: ${
        (error as Error).message
      }`;
      if (env.STRATA_TEST_SKIP_PG === "1") {
        console.warn(`NOTICE: skipping PostgreSQL variant (STRATA_TEST_SKIP_PG=1). ${reason}`);
        await options.t?.step({ name: "postgres unreachable: skipped", ignore: true, fn() {} });
        return;
      }
      throw new Error(
        `${reason}. Start PostgreSQL, point STRATA_TEST_PG_URL at a server, or set ` +
          "STRATA_TEST_SKIP_PG=1 to skip the PostgreSQL variants.",
        { cause: error },
      );
    }
    const name = `strata_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
    await admin.exec(`CREATE DATABASE ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const pool = connections(() => openPostgres(url.href, { max: 5 }));
    try {
      const db = pool.connect();
      if (options.migrate ?? true) await migrate(db);
      await fn(db, { kind: "postgres", connect: pool.connect });
    } finally {
      await pool.closeAll();
      await admin.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  } finally {
    await admin.close();
  }
}

/** Remembers every Db it opens so the case's connections can all be closed afterwards. */
function connections(open: () => Db): { connect(): Db; closeAll(): Promise<void> } {
  const opened: Db[] = [];
  return {
    connect() {
      const db = open();
      opened.push(db);
      return db;
    },
    async closeAll() {
      for (const db of opened) await db.close();
    },
  };
}

function maskPassword(url: string): string {
  return url.replace(/^(\w+:\/\/[^:/@]*):[^@/]*@/, "$1:***@");
}
