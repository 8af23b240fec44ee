/** Test fixture: a session over a fresh notebook with real SQLite, blob store and executor. */
import { createRuntime } from "../runtime/runtime.ts";
import { fsBlobStore } from "../artifacts/fs_blob_store.ts";
import { openSqlite } from "../db/sqlite.ts";
import { migrate } from "../db/migrate.ts";
import { createExecutor } from "../executor/executor.ts";
import { nullLogger } from "../log.ts";
import { createNotebook } from "../notebook/format.ts";
import type { Db } from "../db/types.ts";
import type { AuditRecorder } from "../audit/recorder.ts";
import type { NotebookSession, SessionDeps } from "./notebook_session.ts";

/**
 * A notebook folder, the deps to open sessions on it, and a cleanup; `audit` builds the runtime's
 * audit recorder over the fixture's database (default: the runtime's own).
 */
export async function sessionFixture(options: { audit?: (db: Db) => AuditRecorder } = {}) {
  const dir = await Deno.makeTempDir();
  const db = openSqlite(`${dir}/strata.db`);
  await migrate(db);
  await Deno.mkdir(`${dir}/scratch`);
  const executor = createExecutor({
    scratchRoot: `${dir}/scratch`,
    poolSize: 1,
    childEnv: { HOME: Deno.env.get("HOME") ?? dir },
  });
  const deps: SessionDeps = {
    runtime: createRuntime({
      db,
      audit: options.audit?.(db),
      blobs: fsBlobStore(`${dir}/artifacts`),
      executor,
      log: nullLogger(),
      denoVersion: Deno.version.deno,
      memoryMb: 256,
      defaultTimeoutSeconds: 30,
    }),
  };
  const root = `${dir}/nb`;
  await createNotebook(root, { name: "demo" });
  const scope = { tenantId: "default", tenantHash: "t0", path: "nb" };
  const cleanup = async () => {
    await executor.close();
    await db.close();
    await Deno.remove(dir, { recursive: true });
  };
  return { dir, root, db, deps, scope, cleanup };
}

/** The text a cell displays (its first display), if any. */
export function shown(session: NotebookSession, cellId: string): string | undefined {
  const cell = session.state().cells.find((c) => c.id === cellId);
  const d = cell?.outputs?.displays[0];
  return d && d.type === "text" ? d.data : undefined;
}

/** A cell's view in the session state. */
export function cellView(session: NotebookSession, cellId: string) {
  const cell = session.state().cells.find((c) => c.id === cellId);
  if (!cell) throw new Error(`no cell ${cellId}`);
  return cell;
}
