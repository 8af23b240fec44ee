/**
 * Materializing a transform: run its cell (and the upstream cells it needs) with the caller's
 * parameters as environment values, store the chosen output as an artifact, and find it again
 * for streaming. Runs outside the notebook's interactive session queue, on a model built for
 * this call, so a transform never changes what a notebook's editors see.
 */
import { type ArtifactRecord, lookupArtifacts } from "../artifacts/artifact_index.ts";
import type { Db } from "../db/types.ts";
import { NotFoundError, ValidationError } from "../errors.ts";
import type { CellError, CellResult } from "../executor/types.ts";
import type { Notebook } from "../notebook/format.ts";
import { cellReadKeys, lockFileHash } from "../notebook/provenance.ts";
import { emptyRuntimeState } from "../notebook/runtime_state.ts";
import { LocalModules } from "../notebook/local_modules.ts";
import { buildModel, type NotebookModel } from "../session/cell_model.ts";
import { planRun } from "../runtime/run_engine.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { readLockFile } from "../notebook/format.ts";
import { streamId, type Transform } from "./transforms.ts";

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
  /** Keys of `env` that are secrets by source (issue 13 item 6): never hashed. */
  secretKeys?: ReadonlySet<string>;
  /** Redacts secret values from results before they are stored (issue 13 item 6). */
  redact?: (result: CellResult) => CellResult;
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

/**
 * Runs a transform's cell with its parameters through the one run path (same recording, audit,
 * metrics and `@worker` routing as a session's runs); throws only for a transform that cannot run.
 */
export async function materialize(
  runtime: Runtime,
  req: MaterializeRequest,
): Promise<MaterializeOutcome> {
  const { transform, tenant } = req;
  const analyzer = await runtime.analyzer();
  const built = buildModel({
    root: req.root,
    cells: req.notebook.cells,
    analyzer,
    analysisCache: new Map(),
    env: { ...req.env, ...req.params },
    // A parameter replaces an env value: it is a hashed input, not a secret (issue 13 item 6).
    secretKeys: req.secretKeys &&
      new Set([...req.secretKeys].filter((k) => !Object.hasOwn(req.params, k))),
    denoVersion: runtime.deps.denoVersion,
    lockHash: lockFileHash(await readLockFile(req.root)),
    worker: req.notebook.manifest.worker,
    runtime: emptyRuntimeState(),
    running: new Set(),
    forced: new Set(),
    // Issue 14 item 5: a changed ./helper.ts is a new cache key here too.
    localModules: new LocalModules(req.root, (src) => analyzer.analyze(src).imports),
    // Issue 13: a transform's cells get no more than the same cells run interactively.
    sandbox: await runtime.deps.sandbox?.inputFor({
      tenantId: tenant.id,
      principal: req.principal,
      notebookDir: req.root,
      notebookEnv: [],
    }),
  });
  const target = targetCell(built, transform, req.path);
  checkParamsAreHashed(built, target, transform, req.params);
  const model = withOutput(built, target, transform.output);

  const manifest = req.notebook.manifest;
  const outcomes = await runtime.run({
    redact: req.redact, // issue 13 item 6
    model,
    targets: [target],
    mode: "normal",
    signal: req.signal,
    scope: {
      tenantHash: tenant.hash,
      notebookId: manifest.notebook_id,
      notebookPath: req.path,
      principal: req.principal,
      workers: manifest.workers ?? [],
      timeoutSeconds: manifest.timeout,
      auditDetails: { transform: transform.name },
      workClass: "bulk", // issue 21
    },
  });
  const last = outcomes.find((o) => o.cellId === target);
  if (!last || last.status === "error") {
    return {
      ok: false,
      cellId: target,
      error: last?.error ?? { kind: "exception", message: "The transform's cell did not run" },
    };
  }
  const found = await findArtifact(runtime.deps.db, tenant.hash, last.provenance, transform);
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
