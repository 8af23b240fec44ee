/**
 * The derived model of a notebook: per-cell analysis and annotations, the DAG, provenance and
 * statuses. Pure given its inputs; the session rebuilds it after every edit (cheap: analyses are
 * cached by source text, the rest is linear in the number of cells).
 */
import {
  type Analyzer,
  type CellAnalysis,
  type CellDiagnostic,
  emptyAnalysis,
} from "../notebook/analyzer.ts";
import { type CellAnnotations, parseAnnotations } from "../notebook/annotations.ts";
import { buildDag, type Dag, type DagCellInput } from "../notebook/dag.ts";
import type { NotebookCell } from "../notebook/format.ts";
import {
  type CellProvenance,
  cellReadKeys,
  envHash,
  notebookProvenance,
} from "../notebook/provenance.ts";
import { type CellState, computeStaleness } from "../notebook/staleness.ts";
import type { RuntimeState } from "../notebook/runtime_state.ts";
import type { LocalModules } from "../notebook/local_modules.ts";
import type { PermissionSpec } from "../executor/permissions.ts";
import { MAX_CELL_SOURCE } from "../notebook/cell_files.ts";
import { sha256Hex } from "../notebook/_hash.ts";
import { type CellGrants, cellGrants, type SandboxInput } from "../sandbox/cell_grants.ts";
import { CELL_BASE_ENV } from "../config/cell_env.ts";
import { promptAnalysis } from "../ai/prompt_text.ts";
import { NO_AI_ENV_HASH } from "../ai/service.ts";

/** Variables the cell process itself starts with (module cache); never granted implicitly. */
const CHILD_BASE_ENV = new Set(CELL_BASE_ENV);

/** Everything known about one cell without running it. */
export interface CellInfo {
  cell: NotebookCell;
  /** Null for markdown and prompt cells. */
  analysis: CellAnalysis | null;
  annotations: CellAnnotations;
  /** How people name the cell: its `@name`, else `[n]` (1-based position in the notebook). */
  label: string;
  diagnostics: CellDiagnostic[];
  /** Effective environment of the cell (notebook env, secrets, manual values, `@env`). */
  env: Record<string, string>;
  /** The effective permissions of the cell's child (what the sandbox decided). */
  permissions: PermissionSpec;
  /** What the cell asked for, what was refused or awaits approval, and whether it may run. */
  grants: Omit<CellGrants, "permissions" | "diagnostics">;
  /** Worker the cell runs on (`@worker`, else the notebook's `worker`); undefined: local. */
  worker?: string;
}

/** The derived model. */
export interface NotebookModel {
  cells: CellInfo[];
  byId: Map<string, CellInfo>;
  dag: Dag;
  provenance: Map<string, CellProvenance>;
  states: Map<string, CellState>;
  /** Widgets (issue 16, lib/widgets/widget_model.ts): stored values by defining cell. */
  widgets?: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
  /** Widgets: env hashes before widget values were hashed in. */
  baseEnvHash?: ReadonlyMap<string, string>;
}

/** Inputs of buildModel. */
export interface ModelInput {
  root: string;
  cells: readonly NotebookCell[];
  analyzer: Analyzer;
  /** Cache of analyses by source text (kept by the session across rebuilds). */
  analysisCache: Map<string, CellAnalysis>;
  /** Notebook-level environment after secrets and manual values are merged. */
  env: Record<string, string>;
  /** Keys of `env` that are secrets by source (never hashed); see MergedEnv.secretKeys. */
  secretKeys?: ReadonlySet<string>;
  denoVersion: string;
  lockHash: string | null;
  worker?: string;
  runtime: RuntimeState;
  running: ReadonlySet<string>;
  forced: ReadonlySet<string>;
  /** Reads the local modules cells import (`./helper.ts`); absent: not part of provenance. */
  localModules?: LocalModules;
  /** The permission ceiling and approvals; absent, every `@allow` request is granted as asked. */
  sandbox?: SandboxInput;
  /** Env hash of prompt cells (model and parameters; see lib/ai/service.ts). */
  promptEnvHash?: string;
}

/**
 * The analysis of a cell too large to parse: it defines and reads nothing, cannot run, and says
 * why. Its source hash is a plain hash of the text (cheap at any size).
 */
function oversizedAnalysis(file: string, source: string): CellAnalysis {
  const mb = (source.length / 1_000_000).toFixed(1);
  return emptyAnalysis(sha256Hex(`oversized\n${source}`), [{
    severity: "error",
    code: "too-large",
    message: `Cell file ${file} holds ${mb} million characters; a cell may hold at most ` +
      `${MAX_CELL_SOURCE.toLocaleString("en")} (as through the API). Move the data into a ` +
      "file beside the notebook and read it from the cell.",
  }]);
}

/**
 * What a build derived for one cell on its own (before the DAG): the next build reuses it when
 * the cell and every other input are unchanged (issue 20: an edit re-derives the edited cell).
 */
interface CellPart {
  cell: NotebookCell;
  index: number;
  /** The cell's info with its own diagnostics only (the DAG's are added to the model's copy). */
  info: CellInfo;
  /** The env hash (code cells). */
  envHash?: string;
  /** What the DAG reads of the cell (code cells), as JSON, to tell whether the DAG can change. */
  dagKey?: string;
  dagInput?: DagCellInput;
}

/** Per-cell parts of each built model, for the next build (see buildModel's `previous`). */
const partsOf = new WeakMap<NotebookModel, CellPart[]>();

/**
 * Builds the model of a notebook. `previous`: a model built by buildModel from the same inputs
 * except `cells` and the statuses' inputs (`runtime`, `running`, `forced`); what did not change is
 * taken from it: the derived parts of unchanged cells, the DAG when no cell changed what it
 * defines or reads, the provenance of cells whose inputs are all unchanged. The result equals a
 * build without `previous`.
 */
export function buildModel(input: ModelInput, previous?: NotebookModel): NotebookModel {
  const before = previous ? partsOf.get(previous) : undefined;
  if (input.analysisCache.size > 4 * input.cells.length + 64) input.analysisCache.clear();
  const parts: CellPart[] = input.cells.map((cell, index) => {
    const old = before?.[index];
    if (!old || !sameCell(old.cell, cell)) return cellPart(input, cell, index);
    // Still this notebook's analysis (the cache holds the analyses of the current sources).
    const analysis = old.info.analysis;
    if (cell.language === "typescript" && analysis && cell.source.length <= MAX_CELL_SOURCE) {
      input.analysisCache.set(cell.source, analysis);
    }
    return old;
  });
  const codeParts = parts.filter((p) => p.info.analysis);
  const oldCode = before?.filter((p) => p.info.analysis);
  // The DAG depends only on what each code cell defines, reads, and is named: unchanged, reused.
  const sameDag = previous !== undefined && oldCode !== undefined &&
    oldCode.length === codeParts.length &&
    codeParts.every((p, i) => p === oldCode[i] || p.dagKey === oldCode[i].dagKey);
  const dag = sameDag ? previous.dag : buildDag(codeParts.map((p) => p.dagInput!));
  const cells = parts.map((p, i) => {
    if (sameDag && before![i] === p) return previous.cells[i];
    const extra = p.info.analysis ? dag.diagnostics.get(p.cell.id) ?? [] : [];
    return extra.length ? { ...p.info, diagnostics: [...p.info.diagnostics, ...extra] } : p.info;
  });
  const provenance = notebookProvenance(
    codeParts.map((p) => ({
      id: p.cell.id,
      sourceHash: p.info.analysis!.sourceHash,
      modules: p.cell.language === "prompt"
        ? undefined
        : input.localModules?.hashes(p.info.analysis!.imports),
      envHash: p.envHash!,
    })),
    dag,
    previous?.provenance,
  );
  const states = computeStaleness({
    order: dag.order,
    current: provenance,
    lastRuns: input.runtime.cells,
    running: input.running,
    forced: input.forced,
  });
  const model = { cells, byId: new Map(cells.map((c) => [c.cell.id, c])), dag, provenance, states };
  partsOf.set(model, parts);
  return model;
}

/** True when two reads of a cell are the same (every field, its file-read diagnostics too). */
function sameCell(a: NotebookCell, b: NotebookCell): boolean {
  if (a === b) return true;
  const keys = Object.keys(b) as (keyof NotebookCell)[];
  if (Object.keys(a).length !== keys.length) return false;
  for (const k of keys) {
    if (k === "diagnostics") {
      if (a.diagnostics.length !== b.diagnostics.length) return false;
      if (a.diagnostics.length && JSON.stringify(a.diagnostics) !== JSON.stringify(b.diagnostics)) {
        return false;
      }
    } else if (a[k] !== b[k]) return false;
  }
  return true;
}

/** Derives one cell's analysis, annotations, grants and env hash. */
function cellPart(input: ModelInput, cell: NotebookCell, index: number): CellPart {
  const isCode = cell.language === "typescript";
  const isPrompt = cell.language === "prompt"; // issue 18: `{{name}}` reads, `@name` defines
  let analysis: CellAnalysis | null = null;
  // Issue 13 item 10: a cell file edited on disk past the API's limit is refused, not parsed
  // (parsing 9 MB blocked the event loop for seconds).
  const oversized = (isCode || isPrompt) && cell.source.length > MAX_CELL_SOURCE;
  if (isCode && oversized) {
    analysis = oversizedAnalysis(cell.file, cell.source);
  } else if (isCode) {
    analysis = input.analysisCache.get(cell.source) ?? input.analyzer.analyze(cell.source);
    input.analysisCache.set(cell.source, analysis);
  }
  const parsed = parseAnnotations((isCode || isPrompt) && !oversized ? cell.source : "");
  if (isPrompt) analysis = promptAnalysis(cell.source, parsed.annotations.name);
  const env = { ...input.env, ...parsed.annotations.env };
  const { permissions, diagnostics, ...grants } = cellGrants({
    notebookDir: input.root,
    allow: parsed.annotations.allow,
    implicitEnv: implicitEnv(env, analysis?.envKeys ?? []),
    sandbox: isCode ? input.sandbox : undefined,
  });
  const info: CellInfo = {
    cell,
    analysis,
    annotations: parsed.annotations,
    label: parsed.annotations.name ?? `[${index + 1}]`,
    diagnostics: [
      ...cell.diagnostics,
      ...(analysis?.diagnostics ?? []),
      ...parsed.diagnostics,
      ...diagnostics,
    ],
    env,
    permissions,
    grants: oversized && isCode ? { ...grants, blocked: analysis!.diagnostics[0].message } : grants,
    worker: parsed.annotations.worker ?? input.worker,
  };
  if (!analysis) return { cell, index, info };
  const dagInput: DagCellInput = {
    id: cell.id,
    name: info.annotations.name,
    defines: analysis.defines,
    references: analysis.references,
    globalReferences: analysis.globalReferences,
    mutates: analysis.mutates,
    after: info.annotations.after,
    label: info.label,
    escapes: analysis.escapes,
    fixed: analysis.fixed,
  };
  const envHashOf = isPrompt ? input.promptEnvHash ?? NO_AI_ENV_HASH : envHash({
    denoVersion: input.denoVersion,
    lockHash: input.lockHash,
    permissions: info.grants.hashed,
    worker: info.annotations.worker ?? input.worker,
    readKeys: cellReadKeys({
      envKeys: analysis.envKeys,
      annotationEnv: info.annotations.env,
      allowEnv: info.annotations.allow.env,
    }),
    env,
    secretKeys: secretKeysOf(input.secretKeys, info.annotations.env),
  });
  return {
    cell,
    index,
    info,
    envHash: envHashOf,
    dagInput,
    dagKey: JSON.stringify(dagInput),
  };
}

/** The secret keys a cell sees: a cell's own `@env K=V` is a literal in its source, not a secret. */
function secretKeysOf(
  secretKeys: ReadonlySet<string> | undefined,
  annotationEnv: Readonly<Record<string, string>>,
): ReadonlySet<string> | undefined {
  if (!secretKeys) return undefined;
  const own = Object.keys(annotationEnv);
  if (!own.some((k) => secretKeys.has(k))) return secretKeys;
  return new Set([...secretKeys].filter((k) => !own.includes(k)));
}

/**
 * Env keys a cell gets without asking: the notebook's own keys and the keys it reads literally
 * (granted even when unset, so `Deno.env.get("X") ?? d` works; the child's own environment is
 * cleared, so an unset key reads as undefined, never a server value).
 */
function implicitEnv(env: Record<string, string>, literalKeys: readonly string[]): string[] {
  const literal = literalKeys.filter((k) => !CHILD_BASE_ENV.has(k));
  return [...new Set([...Object.keys(env), ...literal])].sort();
}
