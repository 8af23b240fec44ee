/** Forward-only migration runner: applies `migrations/<kind>/NNNN_name.sql` in order, once each. */

import type { Logger } from "../log.ts";
import type { Db } from "./types.ts";

/** One migration file, read and checked. */
export interface Migration {
  version: number;
  /** File name without `.sql`, e.g. "0001_artifacts_and_runs". */
  name: string;
  sql: string;
  /** SHA-256 of the file's bytes, hex. */
  checksum: string;
}

/** Options for migrate and migrationStatus. */
export interface MigrateOptions {
  /** Folder of `NNNN_name.sql` files. @default migrations/<db.kind>/ next to this repo's lib/ */
  dir?: string | URL;
  /** Receives one line per applied migration. */
  log?: Logger;
}

/** What a migrate call did. */
export interface MigrateResult {
  /** Names of the migrations this call applied, in order (empty when already at head). */
  applied: string[];
  /** Highest applied version afterwards (0 when none). */
  current: number;
}

/** Where the database stands against the migration files (for /ready). */
export interface MigrationStatus {
  current: number;
  latest: number;
  /** Name of the highest applied migration, null when none is. */
  currentName: string | null;
  /** Name of the newest migration file (the head), null when there are none. */
  headName: string | null;
  /** Names of migrations on disk not yet applied. Empty means "at head". */
  pending: string[];
}

/**
 * Key of the PostgreSQL advisory lock every migration transaction takes, so replicas starting
 * together apply each migration once: the second waits, then sees it recorded.
 */
export const MIGRATION_LOCK_KEY = 7_302_117_165;

const FILE_RE = /^(\d{4})_([a-z0-9_]+)\.sql$/;
const WHY_RE = /^\uFEFF?-- why: *\S/;
const TABLE_DDL = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  checksum TEXT NOT NULL,
  applied_at BIGINT NOT NULL
)`;

/** Reads and validates the migration files in `dir`, sorted by version. */
export async function loadMigrations(dir: string | URL): Promise<Migration[]> {
  const migrations: Migration[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile || !entry.name.endsWith(".sql")) continue;
    const match = FILE_RE.exec(entry.name);
    if (!match) {
      throw new Error(
        `Migration file '${entry.name}' in ${String(dir)} is not named NNNN_lower_snake.sql`,
      );
    }
    const bytes = await Deno.readFile(child(dir, entry.name));
    const sql = new TextDecoder().decode(bytes);
    if (!WHY_RE.test(sql)) {
      throw new Error(
        `Migration file '${entry.name}' must start with a '-- why: ...' comment saying why it exists`,
      );
    }
    const digest = await crypto.subtle.digest("SHA-256", bytes);
    const checksum = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0"))
      .join("");
    migrations.push({ version: Number(match[1]), name: entry.name.slice(0, -4), sql, checksum });
  }
  migrations.sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i].version === migrations[i - 1].version) {
      throw new Error(
        `Migrations '${migrations[i - 1].name}' and '${migrations[i].name}' share version ` +
          `${migrations[i].version}`,
      );
    }
  }
  return migrations;
}

/**
 * Applies every pending migration, each in its own transaction together with its
 * `schema_migrations` row. Idempotent; throws, naming the file, when an applied migration's
 * file has changed since, or when a migration fails (that one is rolled back, earlier ones stay).
 * A database already at head costs two small reads and no write transaction (issue 20: every
 * start runs this). Applying a new database's migrations in one transaction instead was measured
 * too: no faster (SQLite's WAL commits do not sync), so each keeps its own.
 */
export async function migrate(db: Db, options: MigrateOptions = {}): Promise<MigrateResult> {
  const migrations = await loadMigrations(options.dir ?? defaultDir(db.kind));
  const recorded = (await tableExists(db)) ? await readRecorded(db) : new Map();
  for (const m of migrations) {
    const row = recorded.get(m.version);
    if (row) assertUnchanged(m, row.checksum);
  }
  const known = new Set(migrations.map((m) => m.version));
  const unknown = [...recorded.keys()].filter((v) => !known.has(v));
  if (unknown.length > 0) {
    options.log?.warn("database has migrations this build does not know", { versions: unknown });
  }
  if (recorded.size > 0 && migrations.every((m) => recorded.has(m.version))) {
    return { applied: [], current: Math.max(...recorded.keys()) };
  }
  await db.transaction(async (tx) => {
    await lock(tx);
    await tx.exec(TABLE_DDL);
  });

  const applied: string[] = [];
  for (const m of migrations) {
    if (recorded.has(m.version)) continue;
    const didApply = await db.transaction(async (tx) => {
      await lock(tx);
      // Another replica may have applied it while we waited for the lock.
      const rows = await tx.query<{ checksum: string }>(
        "SELECT checksum FROM schema_migrations WHERE version = $1",
        [m.version],
      );
      if (rows.length > 0) {
        assertUnchanged(m, rows[0].checksum);
        return false;
      }
      try {
        await tx.exec(m.sql);
      } catch (error) {
        throw new Error(`Migration '${m.name}' failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
      await tx.query(
        "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)",
        [m.version, m.name, m.checksum, Date.now()],
      );
      return true;
    });
    if (didApply) {
      applied.push(m.name);
      options.log?.info("applied migration", { migration: m.name });
    }
  }
  return { applied, current: await currentVersion(db) };
}

/** Compares the database with the migration files without changing anything. */
export async function migrationStatus(
  db: Db,
  options: Pick<MigrateOptions, "dir"> = {},
): Promise<MigrationStatus> {
  return statusOf(db, await loadMigrations(options.dir ?? defaultDir(db.kind)));
}

/**
 * A migration-status reader that loads the files once (they do not change while the process
 * runs), so each call is one or two small queries: what /ready calls every few seconds.
 */
export async function migrationStatusReader(
  db: Db,
  options: Pick<MigrateOptions, "dir"> = {},
): Promise<() => Promise<MigrationStatus>> {
  const migrations = await loadMigrations(options.dir ?? defaultDir(db.kind));
  return () => statusOf(db, migrations);
}

async function statusOf(db: Db, migrations: Migration[]): Promise<MigrationStatus> {
  const recorded = (await tableExists(db)) ? await readRecorded(db) : new Map();
  const current = recorded.size === 0 ? 0 : Math.max(...recorded.keys());
  return {
    current,
    latest: migrations.at(-1)?.version ?? 0,
    currentName: recorded.get(current)?.name ??
      (current === 0 ? null : String(current).padStart(4, "0")),
    headName: migrations.at(-1)?.name ?? null,
    pending: migrations.filter((m) => !recorded.has(m.version)).map((m) => m.name),
  };
}

async function lock(tx: Db): Promise<void> {
  // SQLite needs nothing: BEGIN IMMEDIATE already holds the database's one write lock.
  if (tx.kind === "postgres") {
    await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
  }
}

async function readRecorded(db: Db): Promise<Map<number, { checksum: string; name: string }>> {
  const rows = await db.query<{ version: number; checksum: string; name: string }>(
    "SELECT version, checksum, name FROM schema_migrations",
  );
  return new Map(rows.map((r) => [Number(r.version), { checksum: r.checksum, name: r.name }]));
}

async function currentVersion(db: Db): Promise<number> {
  const rows = await db.query<{ v: number | null }>(
    "SELECT MAX(version) AS v FROM schema_migrations",
  );
  return Number(rows[0]?.v ?? 0);
}

async function tableExists(db: Db): Promise<boolean> {
  const rows = db.kind === "postgres"
    ? await db.query(
      "SELECT 1 FROM pg_tables WHERE tablename = 'schema_migrations' " +
        "AND schemaname = ANY (current_schemas(false))",
    )
    : await db.query(
      "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
    );
  return rows.length > 0;
}

function assertUnchanged(m: Migration, appliedChecksum: string): void {
  if (m.checksum !== appliedChecksum) {
    throw new Error(
      `Migration '${m.name}.sql' was changed after it was applied (checksum ` +
        `${appliedChecksum.slice(0, 12)}… in the database, ${m.checksum.slice(0, 12)}… on ` +
        "disk); restore it and add a new migration instead",
    );
  }
}

function defaultDir(kind: Db["kind"]): URL {
  // In the single-file build (scripts/build.ts) this code is part of strata.js and the
  // migrations folder is copied beside it; from source it is at the repository root.
  const bundled = import.meta.url.endsWith(".js");
  return new URL(`${bundled ? "./" : "../../"}migrations/${kind}/`, import.meta.url);
}

function child(dir: string | URL, name: string): string | URL {
  if (dir instanceof URL) return new URL(name, dir.href.endsWith("/") ? dir : dir.href + "/");
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}
