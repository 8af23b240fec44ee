/**
 * Materializing a transform: run its cell (and the upstream cells it needs) with the caller's
 * parameters as environment values, store the chosen output as an artifact, and find it again
 * for streaming. Runs outside the notebook's interactive session queue, on a model built for
 * this call, so a transform never changes what a notebook's editors see.
 */
import { type ArtifactRecord, lookupArtifacts } from "../artifacts/artifact_index.ts";
import type { BlobStore } from "../artifacts/blob_store.ts";
import type { AuditRecorder } from "../audit/recorder.ts";
import { recordRun } from "../db/runs.ts";
import type { Db } from "../db/types.ts";
import { NotFoundError, ValidationError } from "../errors.ts";
import type { Executor } from "../executor/executor.ts";
import type { CellError } from "../executor/types.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import { type Analyzer, loadAnalyzer } from "../notebook/analyzer.ts";
import type { Notebook } from "../notebook/format.ts";
import { cellReadKeys, lockFileHash } from "../notebook/provenance.ts";
import { emptyRuntimeState } from "../notebook/runtime_state.ts";
import { buildModel, type NotebookModel } from "../session/cell_model.ts";
import { type CellRunOutcome, planRun, runCells } from "../runtime/run_engine.ts";
import { readLockFile } from "../notebook/format.ts";
import { streamId, type Transform } from "./transforms.ts";
import type { Sandbox } from "../sandbox/sandbox.ts";

/** Services a materialization uses (the same ones notebook sessions use). */
export interface MaterializeDeps {
  db: Db;
  blobs: BlobStore;
  executor: Executor;
  log: Logger;
  metrics?: Metrics;
  /** Records each cell execution with its run record, as interactive runs do. */
  audit?: AuditRecorder;
  denoVersion: string;
  memoryMb: number;
  defaultTimeoutSeconds: number;
  now?: () => number;
  /** The permission ceiling (issue 13): a transform's cells get no more than interactive runs. */
  sandbox?: Sandbox;
}

/** One materialization request, already authorized and resolved to a notebook folder. */
export interface MaterializeRequest {
  transform: Transform;
  tenant: { id: string; hash: string };
  /** Absolute notebook folder (confined to the tenant's root) and the path shown to clients. */
  root: string;
  path: string;
  /** The notebook as its session sees it, and the session's environment (secrets merged). */
  notebook: Notebook;
  env: Readonly<Record<string, string>>;
  /** Parameter values from resolveParams. */
  params: Readonly<Record<string, string>>;
  principal: string | null;
  signal?: AbortSignal;
}

/** A materialized artifact as the API shows it. */
export interface MaterializedArtifact {
  /** Stream id: `GET /v1/streams/{id}`. */
  id: string;
  contentHash: string;
  size: number;
  codec: string;
  variable: string;
  provenance: string;
}

/** The outcome: the artifact, or the cell error that prevented it. */
export type MaterializeOutcome =
  | { ok: true; cellId: string; cacheHit: boolean; artifact: MaterializedArtifact }
  | { ok: false; cellId: string; error: CellError };

let analyzer: Promise<Analyzer> | undefined;

/** Runs a transform's cell with its parameters; throws only for a transform that cannot run. */
export async function materialize(
  deps: MaterializeDeps,
  req: MaterializeRequest,
): Promise<MaterializeOutcome> {
  analyzer ??= loadAnalyzer();
  const { transform, tenant } = req;
  const now = deps.now ?? Date.now;
  const built = buildModel({
    root: req.root,
    cells: req.notebook.cells,
    analyzer: await analyzer,
    analysisCache: new Map(),
    env: { ...req.env, ...req.params },
    denoVersion: deps.denoVersion,
    lockHash: lockFileHash(await readLockFile(req.root)),
    worker: req.notebook.manifest.worker,
    runtime: emptyRuntimeState(),
    running: new Set(),
    forced: new Set(),
    sandbox: await deps.sandbox?.inputFor({
      tenantId: tenant.id,
      principal: req.principal,
      notebookDir: req.root,
      notebookEnv: [],
    }),
  });
  const target = targetCell(built, transform, req.path);
  checkParamsAreHashed(built, target, transform, req.params);
  const model = withOutput(built, target, transform.output);

  const notebookId = req.notebook.manifest.notebook_id;
  const outcomes = await runCells(
    {
      db: deps.db,
      blobs: deps.blobs,
      executor: deps.executor,
      tenantHash: tenant.hash,
      memoryMb: deps.memoryMb,
      defaultTimeoutSeconds: deps.defaultTimeoutSeconds,
      notebookTimeoutSeconds: req.notebook.manifest.timeout,
      now,
    },
    model,
    [target],
    "normal",
    {
      signal: req.signal,
      hooks: { onCellDone: (o) => record(deps, req, notebookId, o) },
    },
  );
  const last = outcomes.find((o) => o.cellId === target);
  if (!last || last.status === "error") {
    return {
      ok: false,
      cellId: target,
      error: last?.error ?? { kind: "exception", message: "The transform's cell did not run" },
    };
  }
  const found = await findArtifact(deps.db, tenant.hash, last.provenance, transform);
  if (!found) {
    throw new Error(`Transform '${transform.name}': output '${transform.output}' was not stored`);
  }
  return { ok: true, cellId: target, cacheHit: last.cacheHit, artifact: found.view };
}

/**
 * The stored output of a transform run, or null. `provenance` came from a client (a stream id),
 * so it is accepted only if this tenant's run history shows the transform's cell produced it.
 */
export async function streamArtifact(
  db: Db,
  req: {
    tenantHash: string;
    provenance: string;
    transform: Transform;
    notebookId: string;
    cellId: string;
  },
): Promise<{ record: ArtifactRecord; view: MaterializedArtifact } | null> {
  const runs = await db.query(
    `SELECT id FROM runs WHERE tenant_hash = $1 AND provenance_hash = $2 AND notebook_id = $3
     AND cell_id = $4 LIMIT 1`,
    [req.tenantHash, req.provenance, req.notebookId, req.cellId],
  );
  if (runs.length === 0) return null;
  return await findArtifact(db, req.tenantHash, req.provenance, req.transform);
}

/** Resolves the transform's `cell` (an id or a `// @name`) to a runnable TypeScript cell id. */
export function targetCell(model: NotebookModel, transform: Transform, path: string): string {
  const info = model.byId.get(transform.cell) ??
    model.cells.find((c) => c.annotations.name === transform.cell);
  if (!info) {
    throw new NotFoundError(
      `Transform '${transform.name}': notebook '${path}' has no cell '${transform.cell}'`,
    );
  }
  const id = info.cell.id;
  if (!info.analysis) {
    throw new ValidationError(
      `Transform '${transform.name}': cell '${transform.cell}' is not code`,
    );
  }
  if (info.annotations.nocache) {
    throw new ValidationError(
      `Transform '${transform.name}': cell '${transform.cell}' is @nocache, so it stores no artifact`,
    );
  }
  if (transform.output !== "$result" && !info.analysis.defines.includes(transform.output)) {
    throw new ValidationError(
      `Transform '${transform.name}': cell '${transform.cell}' defines no '${transform.output}'`,
    );
  }
  return id;
}

/**
 * A parameter changes the result only if some cell of the run reads it by a literal
 * `Deno.env.get("NAME")` (or `@allow env=NAME`): only those reads are part of the provenance.
 * A parameter nothing reads that way would let two different values share one cached artifact.
 */
function checkParamsAreHashed(
  model: NotebookModel,
  target: string,
  transform: Transform,
  params: Readonly<Record<string, string>>,
): void {
  const read = new Set<string>();
  for (const id of planRun(model, [target])) {
    const c = model.byId.get(id)!;
    for (
      const k of cellReadKeys({ envKeys: c.analysis?.envKeys, allowEnv: c.annotations.allow.env })
    ) {
      read.add(k);
    }
  }
  const unread = Object.keys(params).filter((k) => !read.has(k));
  if (unread.length > 0) {
    throw new ValidationError(
      `Transform '${transform.name}': no cell of the run reads ${
        unread.map((k) => `'${k}'`).join(", ")
      } ` +
        `with a literal Deno.env.get("…"), so its value would not be part of the cache key`,
    );
  }
}

/** The model with the transform's output added to what the target cell stores. */
function withOutput(model: NotebookModel, target: string, output: string): NotebookModel {
  if (output === "$result") return model;
  const stores = new Map(model.dag.stores);
  stores.set(target, [...new Set([...(stores.get(target) ?? []), output])].sort());
  return { ...model, dag: { ...model.dag, stores } };
}

async function findArtifact(
  db: Db,
  tenantHash: string,
  provenance: string,
  transform: Transform,
): Promise<{ record: ArtifactRecord; view: MaterializedArtifact } | null> {
  const found = await lookupArtifacts(db, tenantHash, provenance);
  if (!found.hit) return null;
  const record = found.artifacts.find((a) => a.variable === transform.output);
  if (!record) return null;
  return {
    record,
    view: {
      id: streamId(transform.name, provenance),
      contentHash: record.contentHash,
      size: record.size,
      codec: record.codec,
      variable: record.variable,
      provenance,
    },
  };
}

async function record(
  deps: MaterializeDeps,
  req: MaterializeRequest,
  notebookId: string,
  o: CellRunOutcome,
): Promise<void> {
  // Same shape as an interactive run: the run record and its audit event commit together.
  await deps.db.transaction(async (tx) => {
    await recordRun(tx, {
      tenantHash: req.tenant.hash,
      notebookId,
      cellId: o.cellId,
      principal: req.principal,
      provenanceHash: o.provenance,
      cacheHit: o.cacheHit,
      status: o.status === "ready" ? "ok" : o.error?.kind ?? "error",
      error: o.error?.message ?? null,
      durationMs: Math.round(o.result.durationMs),
      startedAt: o.startedAt,
      finishedAt: o.finishedAt,
    });
    await deps.audit?.record({
      tenantHash: req.tenant.hash,
      actor: req.principal,
      action: "cell.execute",
      resource: `notebooks/${req.path}/cells/${o.cellId}`,
      details: {
        status: o.status,
        cacheHit: o.cacheHit,
        errorKind: o.error?.kind ?? null,
        transform: req.transform.name,
      },
      provenanceHash: o.provenance,
      outputHash: o.outputHash ?? null,
    }, tx);
  });
  deps.metrics?.cellExecutions.inc({
    tenant: req.tenant.id,
    status: o.status,
    cache_hit: String(o.cacheHit),
  });
  if (o.bytesWritten) deps.metrics?.artifactBytes.inc({ tenant: req.tenant.id }, o.bytesWritten);
}
