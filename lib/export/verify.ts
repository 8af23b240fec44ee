/**
 * `strata verify`: re-runs every code cell from scratch in fresh processes, ignoring the cache,
 * and compares what it produces with what the store holds for the same provenance. The re-run
 * writes into a throwaway in-memory store, so nothing stored is overwritten and no run is
 * recorded. Compared per cell: every stored value's content hash, then the displays (the
 * `$result` artifact also holds the duration and console, which differ on every run).
 */
import { lookupArtifacts } from "../artifacts/artifact_index.ts";
import type { BlobStore } from "../artifacts/blob_store.ts";
import { memoryBlobStore } from "../artifacts/memory_blob_store.ts";
import { migrate } from "../db/migrate.ts";
import { openSqlite } from "../db/sqlite.ts";
import type { Db } from "../db/types.ts";
import type { DisplayOutput } from "../executor/types.ts";
import type { Executor } from "../executor/executor.ts";
import { displayText } from "../cli/render.ts";
import { lookupCell } from "../runtime/cell_cache.ts";
import type { NotebookSession } from "../session/notebook_session.ts";
import { runCells } from "../runtime/run_engine.ts";

/** The verdict on one cell. */
export interface VerifyCell {
  id: string;
  name: string | null;
  /** same: re-run matches the store; differs: it does not; error: the re-run failed;
   * unverified: nothing stored to compare with (never run, stale, @nocache). */
  verdict: "same" | "differs" | "error" | "unverified";
  /** What differs first, the error, or why the cell could not be verified. */
  detail?: string;
}

/** The outcome of a verification. */
export interface VerifyReport {
  ok: boolean;
  cells: VerifyCell[];
}

/** What verifyNotebook needs. */
export interface VerifyDeps {
  db: Db;
  blobs: BlobStore;
  executor: Executor;
  memoryMb: number;
  defaultTimeoutSeconds: number;
}

/** Re-runs every code cell in a scratch store and compares with the stored outputs. */
export async function verifyNotebook(
  session: NotebookSession,
  deps: VerifyDeps,
): Promise<VerifyReport> {
  const model = session.model;
  const tenant = session.scope.tenantHash;
  const scratch = { db: openSqlite(":memory:"), blobs: memoryBlobStore() };
  try {
    await migrate(scratch.db);
    const outcomes = await runCells(
      {
        ...scratch,
        executor: deps.executor,
        tenantHash: tenant,
        memoryMb: deps.memoryMb,
        defaultTimeoutSeconds: deps.defaultTimeoutSeconds,
        notebookTimeoutSeconds: session.notebook.manifest.timeout,
        now: () => Date.now(),
      },
      model,
      model.dag.order,
      "force",
    );
    const cells: VerifyCell[] = [];
    for (const o of outcomes) {
      const info = model.byId.get(o.cellId)!;
      const cell = { id: o.cellId, name: info.annotations.name ?? null };
      if (o.status === "error") {
        cells.push({ ...cell, verdict: "error", detail: `${o.error?.kind}: ${o.error?.message}` });
        continue;
      }
      if (info.annotations.nocache) {
        cells.push({ ...cell, verdict: "unverified", detail: "@nocache: no stored output" });
        continue;
      }
      const stored = await lookupCell(deps, tenant, o.provenance, [], 0);
      if (!stored.hit) {
        cells.push({
          ...cell,
          verdict: "unverified",
          detail: "no stored output for the current source (run the notebook first)",
        });
        continue;
      }
      const difference = await firstDifference(
        await hashes(deps.db, tenant, o.provenance),
        await hashes(scratch.db, tenant, o.provenance),
        stored.result.displays,
        o.result.displays,
      );
      cells.push(
        difference === null
          ? { ...cell, verdict: "same" }
          : { ...cell, verdict: "differs", detail: difference },
      );
    }
    return { ok: cells.length > 0 && cells.every((c) => c.verdict === "same"), cells };
  } finally {
    await scratch.db.close();
  }
}

async function hashes(db: Db, tenant: string, provenance: string): Promise<Map<string, string>> {
  const found = await lookupArtifacts(db, tenant, provenance);
  const out = new Map<string, string>();
  if (found.hit) {
    for (const a of found.artifacts) {
      if (a.variable !== "$result") out.set(a.variable, a.contentHash);
    }
  }
  return out;
}

function firstDifference(
  stored: Map<string, string>,
  fresh: Map<string, string>,
  storedDisplays: DisplayOutput[],
  freshDisplays: DisplayOutput[],
): string | null {
  for (const name of [...new Set([...stored.keys(), ...fresh.keys()])].sort()) {
    if (stored.get(name) !== fresh.get(name)) {
      return `value '${name}' differs (stored ${short(stored.get(name))}, now ${
        short(fresh.get(name))
      })`;
    }
  }
  const n = Math.max(storedDisplays.length, freshDisplays.length);
  for (let i = 0; i < n; i++) {
    const a = storedDisplays[i];
    const b = freshDisplays[i];
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      return `display ${i + 1} differs: stored ${preview(a)}, now ${preview(b)}`;
    }
  }
  return null;
}

function short(hash: string | undefined): string {
  return hash ? hash.slice(0, 12) : "nothing";
}

function preview(d: DisplayOutput | undefined): string {
  if (!d) return "nothing";
  const text = displayText(d).replace(/\s+/g, " ");
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 59)}…` : text);
}

/** A verification for people: one line per cell, then the summary. */
export function verifyText(report: VerifyReport): string {
  const lines = report.cells.map((c) => {
    const label = c.name ? `${c.id} (${c.name})` : c.id;
    return `  ${c.verdict.padEnd(10)} ${label}${c.detail ? `  ${c.detail}` : ""}`;
  });
  const count = (v: VerifyCell["verdict"]) => report.cells.filter((c) => c.verdict === v).length;
  lines.push(
    report.ok
      ? `ok: all ${report.cells.length} cell(s) reproduce their stored outputs`
      : `FAILED: ${count("same")} same, ${count("differs")} differ, ${count("error")} error(s), ` +
        `${count("unverified")} unverified`,
  );
  return lines.join("\n");
}
