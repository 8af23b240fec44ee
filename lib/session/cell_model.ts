/**
 * The derived model of a notebook: per-cell analysis and annotations, the DAG, provenance and
 * statuses. Pure given its inputs; the session rebuilds it after every edit (cheap: analyses are
 * cached by source text, the rest is linear in the number of cells).
 */
import type { Analyzer, CellAnalysis, CellDiagnostic } from "../notebook/analyzer.ts";
import { type CellAnnotations, parseAnnotations } from "../notebook/annotations.ts";
import { buildDag, type Dag } from "../notebook/dag.ts";
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
  return {
    defines: [],
    typeDefines: [],
    references: [],
    globalReferences: [],
    typeOnlyReferences: [],
    mutates: [],
    escapes: [],
    fixed: [],
    imports: [],
    envKeys: [],
    diagnostics: [{
      severity: "error",
      code: "too-large",
      message: `Cell file ${file} holds ${mb} million characters; a cell may hold at most ` +
        `${MAX_CELL_SOURCE.toLocaleString("en")} (as through the API). Move the data into a ` +
        "file beside the notebook and read it from the cell.",
    }],
    lastExpression: null,
    hasTopLevelAwait: false,
    jsx: false,
    sourceHash: sha256Hex(`oversized\n${source}`),
  };
}

/** Builds the model of a notebook. */
export function buildModel(input: ModelInput): NotebookModel {
  const cells: CellInfo[] = input.cells.map((cell, index) => {
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
    return {
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
      grants: oversized && isCode
        ? { ...grants, blocked: analysis!.diagnostics[0].message }
        : grants,
      worker: parsed.annotations.worker ?? input.worker,
    };
  });
  if (input.analysisCache.size > 4 * cells.length + 64) input.analysisCache.clear();
  const code = cells.filter((c) => c.analysis);
  const dag = buildDag(code.map((c) => ({
    id: c.cell.id,
    name: c.annotations.name,
    defines: c.analysis!.defines,
    references: c.analysis!.references,
    globalReferences: c.analysis!.globalReferences,
    mutates: c.analysis!.mutates,
    after: c.annotations.after,
    label: c.label,
    escapes: c.analysis!.escapes,
    fixed: c.analysis!.fixed,
  })));
  for (const c of code) c.diagnostics.push(...(dag.diagnostics.get(c.cell.id) ?? []));
  const provenance = notebookProvenance(
    code.map((c) => ({
      id: c.cell.id,
      sourceHash: c.analysis!.sourceHash,
      modules: c.cell.language === "prompt"
        ? undefined
        : input.localModules?.hashes(c.analysis!.imports),
      envHash: c.cell.language === "prompt" ? input.promptEnvHash ?? NO_AI_ENV_HASH : envHash({
        denoVersion: input.denoVersion,
        lockHash: input.lockHash,
        permissions: c.grants.hashed,
        worker: c.annotations.worker ?? input.worker,
        readKeys: cellReadKeys({
          envKeys: c.analysis!.envKeys,
          annotationEnv: c.annotations.env,
          allowEnv: c.annotations.allow.env,
        }),
        env: c.env,
        secretKeys: secretKeysOf(input.secretKeys, c.annotations.env),
      }),
    })),
    dag,
  );
  const states = computeStaleness({
    order: dag.order,
    current: provenance,
    lastRuns: input.runtime.cells,
    running: input.running,
    forced: input.forced,
  });
  return { cells, byId: new Map(cells.map((c) => [c.cell.id, c])), dag, provenance, states };
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
