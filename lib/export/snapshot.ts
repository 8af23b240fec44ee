/**
 * What every export format is made from: a notebook's cells in order with their current outputs
 * and one receipt per output (which code, inputs and environment produced it, when and by whom).
 * Secret values known to the session are scrubbed from every string before any format sees it.
 */
import { lookupArtifacts } from "../artifacts/artifact_index.ts";
import type { Db } from "../db/types.ts";
import type { ConsoleEntry, DisplayOutput } from "../executor/types.ts";
import type { PermissionSpec } from "../executor/permissions.ts";
import { canonicalPermissions, type CellPermissions } from "../notebook/annotations.ts";
import { cellReadKeys, lockFileHash } from "../notebook/provenance.ts";
import { readLockFile } from "../notebook/format.ts";
import { readRuntimeState } from "../notebook/runtime_state.ts";
import type { NotebookSession } from "../session/notebook_session.ts";
import { isSensitiveKey } from "../secrets/sensitive.ts";
import { computingRun } from "./computing_run.ts";
import { redactDeep, secretValues } from "./redact.ts";

/** Where an output came from: enough to recompute it and to check it was not altered. */
export interface Receipt {
  cellId: string;
  cellName: string | null;
  /** The output's cache key: H(source, upstream provenances, env hash). */
  provenance: string;
  /** Content hash of the stored `$result` artifact (displays + console) this output shows. */
  outputHash: string;
  env: {
    hash: string;
    denoVersion: string;
    /** Hash of the notebook's deno.lock, null without one. */
    lockHash: string | null;
    /** The cell's requested permissions (`@allow`), canonical. */
    permissions: CellPermissions;
    worker: string;
    /** Names of the env keys the cell reads (values are never exported). */
    readKeys: string[];
  };
  /** ISO time the output was computed (the run that executed it, not a later cache hit). */
  computedAt: string | null;
  /** Principal that ran it; null when anonymous (personal mode). */
  computedBy: string | null;
}

/** One cell of a snapshot. */
export interface SnapshotCell {
  id: string;
  name: string | null;
  language: "typescript" | "markdown" | "prompt";
  source: string;
  status: string;
  /** Outputs of the current source; null when the cell has none (never run, stale, markdown). */
  outputs: {
    displays: DisplayOutput[];
    console: ConsoleEntry[];
    consoleTruncated: boolean;
    error: { kind: string; message: string; line?: number; column?: number } | null;
  } | null;
  /** Present for a successful current output found in the artifact store. */
  receipt: Receipt | null;
  /** Permissions the cell runs with (folders, hosts, env keys). */
  permissions: PermissionSpec | null;
  diagnostics: { code: string; message: string }[];
}

/** A notebook ready to export. */
export interface NotebookSnapshot {
  notebook: { id: string; name: string; path: string; owner: string | null };
  exportedAt: string;
  denoVersion: string;
  /** Cells in notebook order. */
  cells: SnapshotCell[];
  /** Code cell ids in a topological (run) order. */
  order: string[];
  /** Non-secret `[env]` values of the notebook (what a script run needs). */
  env: Record<string, string>;
}

/** What takeSnapshot reads besides the session. */
export interface SnapshotDeps {
  db: Db;
  denoVersion: string;
  now?: () => Date;
}

/** Reads a session into a snapshot: current outputs, receipts from the store and run records. */
export async function takeSnapshot(
  session: NotebookSession,
  deps: SnapshotDeps,
): Promise<NotebookSnapshot> {
  const state = session.state();
  const model = session.model;
  const tenant = session.scope.tenantHash;
  const { state: runtime } = await readRuntimeState(session.root);
  const manifestEnv = session.notebook.manifest.env ?? {};
  // The same hash the session put into every env hash (it reads the lock file the same way).
  const lockHash = lockFileHash(await readLockFile(session.root));
  const cells: SnapshotCell[] = [];
  for (const view of state.cells) {
    const info = model.byId.get(view.id);
    const prov = model.provenance.get(view.id);
    const out = view.outputs && view.outputs.current ? view.outputs : null;
    let receipt: Receipt | null = null;
    if (info && prov && out && !out.error) {
      const found = await lookupArtifacts(deps.db, tenant, prov.provenance);
      const result = found.hit ? found.artifacts.find((a) => a.variable === "$result") : undefined;
      if (result) {
        const run = await computingRun(deps.db, tenant, prov.provenance);
        const last = runtime.cells[view.id];
        receipt = {
          cellId: view.id,
          cellName: view.name,
          provenance: prov.provenance,
          outputHash: result.contentHash,
          env: {
            hash: prov.envHash,
            denoVersion: deps.denoVersion,
            lockHash,
            permissions: canonicalPermissions(info.annotations.allow),
            worker: info.worker ?? "local",
            readKeys: cellReadKeys({
              envKeys: info.analysis?.envKeys,
              annotationEnv: info.annotations.env,
              allowEnv: info.annotations.allow.env,
            }),
          },
          computedAt: run
            ? new Date(run.finishedAt).toISOString()
            : last?.provenance === prov.provenance
            ? last.finishedAt ?? null
            : null,
          computedBy: run?.principal ?? null,
        };
      }
    }
    cells.push({
      id: view.id,
      name: view.name,
      language: view.language,
      source: view.source,
      status: view.status,
      outputs: out
        ? {
          displays: out.displays,
          console: out.console,
          consoleTruncated: out.consoleTruncated,
          error: out.error
            ? {
              kind: out.error.kind,
              message: out.error.message,
              line: out.error.line,
              column: out.error.column,
            }
            : null,
        }
        : null,
      receipt,
      permissions: info?.analysis ? info.permissions : null,
      diagnostics: view.diagnostics.map((d) => ({ code: d.code, message: d.message })),
    });
  }
  const snapshot: NotebookSnapshot = {
    notebook: {
      id: state.notebook.id,
      name: state.notebook.name,
      path: state.notebook.path,
      owner: state.notebook.owner,
    },
    exportedAt: (deps.now?.() ?? new Date()).toISOString(),
    denoVersion: deps.denoVersion,
    cells,
    order: [...model.dag.order],
    env: Object.fromEntries(
      Object.entries(manifestEnv).filter(([k, v]) => !isSensitiveKey(k) && v !== ""),
    ),
  };
  return redactDeep(snapshot, secretValues(session));
}
