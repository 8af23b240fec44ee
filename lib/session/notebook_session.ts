/**
 * A notebook session: one open notebook folder, its derived model, the outputs of its cells, and
 * one run at a time (later requests queue). Edits go through lib/notebook/format.ts (atomic);
 * runs through the run engine; every change is announced on the session's event hub.
 */
import { join } from "node:path";
import { ConflictError, NotFoundError, ValidationError } from "../errors.ts";
import { analyzeCell, type Analyzer, type CellAnalysis } from "../notebook/analyzer.ts";
import {
  addCell,
  editCell,
  type Notebook,
  readLockFile,
  readNotebook,
  removeCell,
  reorderCells,
  setNotebookEnv,
  setSecretManagerConfig,
} from "../notebook/format.ts";
import { isSensitiveKey } from "../secrets/sensitive.ts";
import { entersAsSecret, secretValues } from "../secrets/env_merge.ts";
import { cellResultRedactor } from "../secrets/redact.ts";
import { parseSecretManagerConfig, type SecretManagerConfig } from "../secrets/provider.ts";
import { type CellLanguage, MAX_CELL_SOURCE } from "../notebook/cell_files.ts";
import { lockFileHash } from "../notebook/provenance.ts";
import {
  appendRuntimeRuns,
  type CellRunRecord,
  readRuntimeState,
  type RuntimeJournal,
  type RuntimeState,
  writeRuntimeState,
} from "../notebook/runtime_state.ts";
import { computeStaleness, describeWhy, describeWhyAll } from "../notebook/staleness.ts";
import { downstreamOfAll } from "../notebook/dag.ts";
import { isRelativeSpecifier, LocalModules } from "../notebook/local_modules.ts";
import { autorunTargets } from "../notebook/reactive.ts";
import { sha256Hex } from "../notebook/_hash.ts";
import type { SessionSecrets } from "../secrets/session_secrets.ts";
import { atomicWriteJson } from "./_atomic_json.ts";
import { lookupCells, type StoredResult } from "../runtime/cell_cache.ts";
import { buildModel, type NotebookModel } from "./cell_model.ts";
import { EventHub } from "./events.ts";
import { emitLive } from "./live_events.ts";
import type { CacheHitsPayload } from "../protocol/socket_events.ts";
import type { CellRunOutcome, RunMode } from "../runtime/run_engine.ts";
import type { Runtime } from "../runtime/runtime.ts";
import type { WorkClass } from "../tenancy/qos.ts";
import type { CellError } from "../executor/types.ts";
import type {
  CellStateView,
  DagView,
  NotebookState,
  OutputView,
} from "../protocol/notebook_state.ts";
import type { SandboxInput } from "../sandbox/cell_grants.ts"; // sandbox (issue 13)
import { ceilingFor } from "../sandbox/policy.ts"; // sandbox (issue 13)
import { applyWidgets, type WidgetValues } from "../widgets/widget_model.ts"; // widgets (issue 16)
import { withWidgetValue } from "../widgets/widget_values.ts"; // widgets (issue 16)
// Language service (issue 15): completions, hovers and type warnings; logic in lib/langservice/.
import { NotebookTypes, type TypeCheckOptions } from "../langservice/notebook_types.ts";

/** Services a session uses; shared by all sessions of a server. */
export interface SessionDeps {
  /** The one run path (analyzer, executors, recording, metrics). */
  runtime: Runtime;
  now?: () => Date;
  /** Background type checking of open notebooks (absent: types only on completion requests). */
  typeCheck?: TypeCheckOptions; // issue 15
}

/** Per-session identity: which tenant and notebook path. */
export interface SessionScope {
  tenantId: string;
  tenantHash: string;
  /** Path shown to clients (relative to the tenant's notebook root). */
  path: string;
  secrets?: SessionSecrets;
  /**
   * The session's id; absent: a random one. A cluster (issue 21) derives it from the tenant and
   * path so every replica names the same notebook's session alike.
   */
  sessionId?: string;
}

/** Last known outputs of a cell. */
export interface CellOutputs {
  provenance: string;
  status: "ready" | "error";
  cacheHit: boolean;
  result: StoredResult;
  error?: CellError;
  finishedAt: string;
}

/** Summary of one run request. */
export interface RunSummary {
  cells: { cellId: string; status: "ready" | "error"; cacheHit: boolean; durationMs: number }[];
  ok: boolean;
}

/** One open notebook. Create with `NotebookSession.open`. */
export class NotebookSession {
  readonly id: string;
  readonly root: string;
  readonly scope: SessionScope;
  readonly events: EventHub;
  #deps: SessionDeps;
  #analyzer: Analyzer;
  #analysisCache = new Map<string, CellAnalysis>();
  /** Models by the digest of their inputs (see #buildModel), with the notebook each was of. */
  #built = new Map<
    string,
    { notebook: Notebook; widgets: string; base: NotebookModel; model: NotebookModel }
  >();
  #versions = new Map<string, string>();
  /** The `cell_states` clients have during a run (only changes are sent). */
  #sentStates = new Map<string, string>();
  /** The model whose statuses clients had when the run started (until the first diff). */
  #sentFrom?: NotebookModel;
  /** Cells finished since the last `cell_states` diff. */
  #unsent = new Set<string>();
  #localModules: LocalModules;
  #notebook: Notebook;
  #runtime: RuntimeState;
  /** Where the next run records are appended (absent: the next write is in full). */
  #journal: RuntimeJournal | undefined;
  /** Cells whose run record changed since runtime state was last written. */
  #runtimeChanged = new Set<string>();
  #lockHash: string | null;
  #model!: NotebookModel;
  #outputs = new Map<string, CellOutputs>();
  #running = new Set<string>();
  /** Cache hits of the current run not sent yet: they go out together (`cache_hits`). */
  #hits: CacheHitsPayload | undefined;
  /**
   * Cells known to have no console file (removed by this session): a run that prints nothing
   * again has nothing to remove (a failed remove throws NotFound, ≈0.1 ms in Deno).
   */
  #noConsoleFile = new Set<string>();
  /** Console files of run cells being written; awaited before the run is recorded. */
  #consoleWrites: Promise<void>[] = [];
  #queue: Promise<unknown> = Promise.resolve();
  #abort?: AbortController;
  #busy = false;
  #types: NotebookTypes; // issue 15
  /** Tenant-wide sandbox decision inputs (the state shows them; runs recompute per principal). */
  #sandbox?: SandboxInput;
  lastUsed = Date.now();

  private constructor(
    id: string,
    root: string,
    scope: SessionScope,
    deps: SessionDeps,
    analyzer: Analyzer,
    notebook: Notebook,
    runtime: RuntimeState,
    journal: RuntimeJournal | undefined,
    lockHash: string | null,
  ) {
    this.id = id;
    this.root = root;
    this.scope = scope;
    this.#deps = deps;
    this.#analyzer = analyzer;
    this.#notebook = notebook;
    this.#runtime = runtime;
    this.#journal = journal;
    this.#lockHash = lockHash;
    this.events = new EventHub(deps.now);
    this.#localModules = new LocalModules(root, (src) => analyzer.analyze(src).imports);
    this.#types = new NotebookTypes({ // issue 15
      npmCacheDir: deps.typeCheck?.npmCacheDir,
      background: deps.typeCheck !== undefined,
      onChange: () => this.events.emitWith("notebook_state", () => this.state()),
      log: deps.runtime.deps.log,
      // The plain analyzer: an unsaved source is not stored in the analysis cache.
      analyze: (source) => analyzeCell(source),
    });
  }

  /** Opens a notebook folder: reads it, analyzes every cell, restores cached outputs. */
  static async open(
    root: string,
    scope: SessionScope,
    deps: SessionDeps,
  ): Promise<NotebookSession> {
    const [analyzer, notebook, runtime, lock] = await Promise.all([
      deps.runtime.analyzer(scope.tenantHash), // issue 20: its persistent analysis cache
      readNotebook(root),
      readRuntimeState(root),
      readLockFile(root),
    ]);
    if (runtime.error) {
      deps.runtime.deps.log.warn("ignoring unreadable runtime state", {
        path: root,
        error: runtime.error,
      });
    }
    const session = new NotebookSession(
      scope.sessionId ?? crypto.randomUUID(),
      root,
      scope,
      deps,
      analyzer,
      notebook,
      runtime.state,
      runtime.journal,
      lockFileHash(lock),
    );
    scope.secrets?.setNotebookEnv(notebook.manifest.env ?? {});
    if (scope.secrets && notebook.manifest.secret_manager) {
      // A fetch error never blocks opening: it is shown in the state (secretManager.lastError).
      const parsed = parseSecretManagerConfig(notebook.manifest.secret_manager);
      if (parsed.config) await scope.secrets.load(parsed.config);
      else {
        deps.runtime.deps.log.warn("ignoring invalid [secret_manager]", {
          path: root,
          error: parsed.error,
        });
      }
    }
    await session.#refreshSandbox(null);
    await session.#prepareAnalyses();
    session.#rebuild();
    await session.#restoreOutputs();
    return session;
  }

  /** The notebook as last read. */
  get notebook(): Notebook {
    return this.#notebook;
  }

  /** The derived model (DAG, provenance, statuses). */
  get model(): NotebookModel {
    return this.#model;
  }

  /** True while a run is in progress. */
  get busy(): boolean {
    return this.#busy;
  }

  // ---- edits -------------------------------------------------------------------------------

  /** Adds a cell after `after` (null: first; undefined: last). */
  async addCell(
    input: { source: string; language?: CellLanguage; after?: string | null },
  ): Promise<string> {
    if (typeof input.source !== "string") throw new ValidationError("Cell source must be a string");
    return await this.#edit(async () => {
      const { notebook, cellId } = await addCell(this.root, { ...input, now: this.#now() });
      this.#notebook = notebook;
      return cellId;
    });
  }

  /**
   * Replaces a cell's source. `baseVersion` is the cell `version` the edit was made from; when
   * the cell changed since (another tab saved first), the edit is refused with a ConflictError
   * carrying the current source and version (issue 14 item 7). Without it the edit always wins.
   */
  async editCell(cellId: string, source: string, baseVersion?: string): Promise<void> {
    if (typeof source !== "string") throw new ValidationError("Cell source must be a string");
    this.#cell(cellId);
    await this.#edit(async () => {
      // Checked inside the queue, so two edits based on one version cannot both pass.
      const current = this.#notebook.cells.find((c) => c.id === cellId);
      if (!current) {
        throw new NotFoundError(`Cell '${cellId}' not found in notebook '${this.scope.path}'`);
      }
      // Saving the text the cell already has loses nothing (e.g. the same draft sent twice).
      if (current.source === source) return;
      const version = sourceVersion(current.source);
      if (baseVersion !== undefined && baseVersion !== version) {
        const label = this.#model.byId.get(cellId)?.label ?? cellId;
        throw new ConflictError(
          `Cannot save cell ${label}: it was changed by someone else since you loaded it; ` +
            "reload the cell or overwrite it",
          { details: { cellId, label, version, source: current.source } },
        );
      }
      this.#notebook = await editCell(this.root, cellId, source);
    });
  }

  /** Deletes a cell and its outputs. */
  async deleteCell(cellId: string): Promise<void> {
    this.#cell(cellId);
    await this.#edit(async () => {
      this.#notebook = await removeCell(this.root, cellId, this.#now());
      this.#outputs.delete(cellId);
    });
  }

  /** Reorders cells; `order` must list every cell id once. */
  async reorder(order: string[]): Promise<void> {
    await this.#edit(async () => {
      this.#notebook = await reorderCells(this.root, order, this.#now());
    });
  }

  /** Re-reads the notebook from disk (after an external edit, an env change, ...). */
  async reload(): Promise<void> {
    await this.#edit(async () => {
      this.#notebook = await readNotebook(this.root);
      this.#lockHash = lockFileHash(await readLockFile(this.root));
    });
  }

  /** Issue 20: stored analyses of the code cells in; the parser loads only for misses. */
  async #prepareAnalyses(): Promise<void> {
    await this.#analyzer.prepare(
      this.#notebook.cells.filter((c) =>
        c.language === "typescript" && c.source.length <= MAX_CELL_SOURCE &&
        !this.#analysisCache.has(c.source)
      ).map((c) => c.source),
    );
  }

  async #edit<T>(fn: () => Promise<T>): Promise<T> {
    // Edits wait for a running run: the run works on the model it started with.
    const result = await this.#enqueue(async () => {
      const r = await fn();
      await this.#prepareAnalyses();
      return r;
    });
    this.scope.secrets?.setNotebookEnv(this.#notebook.manifest.env ?? {});
    this.#rebuild();
    this.events.emit("dag_update", this.dagView());
    this.events.emitWith("notebook_state", () => this.state());
    return result;
  }

  /**
   * Sets or (with null) removes environment values. Plain values go to `[env]`; secrets (the
   * `secret` flag, a key that is a secret now, or a sensitive name; see entersAsSecret) are
   * session-only manual values (memory): a sensitive name keeps a blank placeholder in `[env]`,
   * and a clear value of a key that becomes secret is removed from disk. Removing a manual value
   * falls back to the secret manager's or the notebook's value.
   */
  async updateEnv(
    values: Record<string, string | null>,
    options: { secret?: Record<string, boolean> } = {},
  ): Promise<void> {
    const flags = options.secret ?? {};
    for (const key of Object.keys(flags)) {
      if (typeof values[key] !== "string") {
        throw new ValidationError(
          `Cannot mark env key '${key}' as secret: values.${key} must be a string in the same request`,
        );
      }
    }
    const env = { ...(this.#notebook.manifest.env ?? {}) };
    const sources = this.scope.secrets?.merged().sources ?? {};
    let fileChanged = false;
    for (const [key, value] of Object.entries(values)) {
      if (value === null) {
        const hadManual = this.scope.secrets?.removeManual(key) ?? false;
        if (!hadManual && key in env) {
          delete env[key];
          fileChanged = true;
        }
      } else if (entersAsSecret(key, flags[key], sources[key])) {
        if (!this.scope.secrets) {
          throw new ValidationError(
            `'${key}' is a secret and is kept in memory only; this server has no secret support`,
          );
        }
        this.scope.secrets.setManual(key, value);
        if (isSensitiveKey(key) && !(key in env)) {
          env[key] = "";
          fileChanged = true;
        } else if (!isSensitiveKey(key) && key in env && env[key] !== "") {
          delete env[key];
          fileChanged = true;
        }
      } else {
        this.scope.secrets?.removeManual(key);
        if (env[key] !== value) {
          env[key] = value;
          fileChanged = true;
        }
      }
    }
    if (fileChanged) await this.#enqueue(() => setNotebookEnv(this.root, env, this.#now()));
    await this.reload();
  }

  /** Saves the secret manager config (only if it changed) and fetches at once. */
  async setSecretManager(config: SecretManagerConfig | null): Promise<boolean> {
    if (!this.scope.secrets) throw new ValidationError("This server has no secret manager support");
    const changed = await this.#enqueue(() =>
      setSecretManagerConfig(this.root, config as Record<string, unknown> | null, this.#now())
    );
    await this.scope.secrets.load(config);
    await this.reload();
    return changed;
  }

  /** Re-fetches secrets; rotated values apply to the next run (cached results stay valid). */
  async refreshSecrets(): Promise<void> {
    if (!this.scope.secrets) throw new ValidationError("This server has no secret manager support");
    await this.scope.secrets.refresh();
    this.#rebuild();
    this.events.emitWith("notebook_state", () => this.state());
  }

  // ---- runs --------------------------------------------------------------------------------

  /**
   * Runs a cell and the stale upstream cells it needs. With `[runtime] on_change = "autorun"`
   * (the default) its dependents that are not up to date run after it in the same run, except
   * `@lazy` ones (see lib/notebook/reactive.ts); with "lazy" they are only marked stale.
   */
  async execute(
    cellId: string,
    mode: RunMode = "normal",
    principal: string | null = null,
  ): Promise<RunSummary> {
    const info = this.#cell(cellId);
    if (info.cell.language === "markdown") {
      return { cells: [], ok: true };
    }
    return await this.#enqueue(() =>
      this.#run(
        (model) => {
          if (!model.byId.has(cellId)) return []; // deleted while queued
          if (this.onChange === "lazy") return [cellId];
          return autorunTargets(model.dag, cellId, {
            lazy: (id) => model.byId.get(id)?.annotations.lazy ?? false,
            upToDate: (id) => model.states.get(id)?.status === "ready",
          });
        },
        mode,
        principal,
        "interactive",
      )
    );
  }

  /** `[runtime] on_change` of the notebook: what running a cell does to its dependents. */
  get onChange(): "autorun" | "lazy" {
    return this.#notebook.manifest.runtime?.on_change ?? "autorun";
  }

  /**
   * Runs every code cell (cache hits where valid). Bulk work (like `notebook.run_all`'s QoS
   * class): on a cluster its cells go to the tenant's bulk subject, behind interactive runs.
   */
  async runAll(mode: RunMode = "normal", principal: string | null = null): Promise<RunSummary> {
    return await this.#enqueue(() =>
      this.#run((model) => model.dag.order, mode, principal, "bulk")
    );
  }

  /** Cancels the run in progress (its remaining cells end as cancelled). */
  cancel(): boolean {
    if (!this.#abort) return false;
    this.#abort.abort();
    return true;
  }

  #enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(fn, fn);
    this.#queue = next.catch(() => {});
    return next;
  }

  async #run(
    pick: (model: NotebookModel) => string[],
    mode: RunMode,
    principal: string | null,
    workClass: WorkClass,
  ): Promise<RunSummary> {
    this.lastUsed = Date.now();
    // Sandbox (issue 13): approvals and symlinks are read again at run time; the ceiling is the
    // running principal's (the state shows the tenant-wide one).
    const forCaller = await this.#refreshSandbox(principal);
    this.#rebuild();
    const model = forCaller && principal !== null ? this.#buildModel(forCaller) : this.#model;
    const targets = pick(model);
    // What clients have: the statuses as the run starts (made into views on the first executed
    // cell only; a run of cache hits never diffs, its final notebook_state says it all).
    this.#sentFrom = this.#model;
    this.#sentStates.clear();
    this.#unsent.clear();
    const abort = new AbortController();
    this.#abort = abort;
    this.#busy = true;
    const manifest = this.#notebook.manifest;
    let outcomes: CellRunOutcome[] = [];
    try {
      outcomes = await this.#deps.runtime.run({
        // Issue 13 item 6: output is redacted of the current secret values before it is stored.
        redact: cellResultRedactor(secretValues(this.scope.secrets?.merged())),
        model,
        targets,
        mode,
        signal: abort.signal,
        scope: {
          tenantHash: this.scope.tenantHash,
          notebookId: manifest.notebook_id,
          notebookPath: this.scope.path,
          principal,
          workers: manifest.workers ?? [],
          timeoutSeconds: manifest.timeout,
          workClass,
        },
        hooks: {
          onStart: (ids) =>
            this.events.emit("cascade_progress", { cells: ids, done: 0, total: ids.length }),
          onCellRunning: (id) => {
            this.#flushHits(); // the page shows the cells found so far before the next runs
            this.#running.add(id);
            this.events.emit("cell_status", { cellId: id, status: "running" });
          },
          onLive: (id, live) => emitLive(this.events, id, live), // issue 14 item 2: live output
          onCellPartial: (cellId, displays) =>
            // issue 18: a prompt cell's answer, live
            this.events.emit("cell_output", { cellId, ...partialOutput(displays) }),
          persist: (o) => {
            this.#persist(o, model);
            this.#unsent.add(o.cellId);
            // Dependents' statuses and why-chains as of now, not at the end of the run. Cache
            // hits skip it (the run's final state covers them): refreshing after each of 1,000
            // hits made a cached run-all quadratic.
            if (!o.cacheHit) this.#refreshStates();
          },
          // The run cell's console file (started by persist) and the run records are written
          // at the same time, both before the record commits (issue 20: one file write less on
          // the warm path's critical chain).
          beforeRecord: async () => {
            const consoles = this.#consoleWrites.splice(0);
            await Promise.all([this.#saveRuns(), ...consoles]);
          },
          emit: (o, done, total) => this.#emitOutcome(o, done, total),
        },
      });
    } finally {
      this.#abort = undefined;
      this.#busy = false;
      this.#running.clear();
      this.#flushHits();
      this.#rebuild();
      this.events.emitWith("notebook_state", () => this.state());
    }
    return {
      ok: outcomes.every((o) => o.status === "ready"),
      cells: outcomes.map((o) => ({
        cellId: o.cellId,
        status: o.status,
        cacheHit: o.cacheHit,
        durationMs: o.result.durationMs,
      })),
    };
  }

  /**
   * Step `persist` for a session: its outputs and runtime state; a run cell's console file is
   * started here and awaited by `beforeRecord`.
   */
  #persist(o: CellRunOutcome, model: NotebookModel): void {
    this.#running.delete(o.cellId);
    const prov = model.provenance.get(o.cellId)!;
    const finishedAt = new Date(o.finishedAt).toISOString();
    this.#outputs.set(o.cellId, {
      provenance: o.provenance,
      status: o.status,
      cacheHit: o.cacheHit,
      result: o.result,
      error: o.error,
      finishedAt,
    });
    this.#runtimeChanged.add(o.cellId);
    this.#runtime.cells[o.cellId] = {
      provenance: o.provenance,
      status: o.status,
      sourceHash: prov.sourceHash,
      envHash: prov.envHash,
      upstream: prov.upstream,
      modules: Object.keys(prov.modules).length ? prov.modules : undefined,
      startedAt: new Date(o.startedAt).toISOString(),
      finishedAt,
      durationMs: o.result.durationMs,
      error: o.error?.message,
    };
    if (!o.cacheHit) {
      // Awaited by `beforeRecord`, which the runtime calls next for a run cell; a failure still
      // fails the run there, before anything is recorded.
      const path = join(this.root, ".strata", "console", `${o.cellId}.json`);
      const printed = o.result.console.length > 0 || o.result.consoleTruncated;
      if (!printed && this.#noConsoleFile.has(o.cellId)) return;
      const written = !printed
        ? removeConsoleFile(path).then(() => void this.#noConsoleFile.add(o.cellId))
        : atomicWriteJson(path, {
          cellId: o.cellId,
          provenance: o.provenance,
          finishedAt,
          console: o.result.console,
          truncated: o.result.consoleTruncated,
        });
      this.#noConsoleFile.delete(o.cellId);
      written.catch(() => {}); // handled where awaited; never an unhandled rejection meanwhile
      this.#consoleWrites.push(written);
    }
  }

  /**
   * The run records changed since the last write, appended to the runtime journal (or the whole
   * state written), before the runs are recorded and answered: see lib/notebook/runtime_state.ts.
   */
  async #saveRuns(): Promise<void> {
    const cells: Record<string, CellRunRecord> = {};
    for (const id of this.#runtimeChanged) {
      const record = this.#runtime.cells[id];
      if (record) cells[id] = record;
    }
    this.#runtimeChanged.clear();
    const journal = this.#journal;
    this.#journal = undefined; // a failed write leaves no journal: the next one is in full
    this.#journal = await appendRuntimeRuns(this.root, this.#runtime, cells, journal);
  }

  /** Step `emit` for a session: the finished cell's console, outputs, status and progress. */
  #emitOutcome(o: CellRunOutcome, done: number, total: number): void {
    if (o.cacheHit) {
      // Issue 20: one event for the run's cache hits, sent before the next cell runs or at the
      // end, instead of four per hit (and a page re-rendering its cells four times per hit).
      this.#hits ??= { cells: [], done, total };
      this.#hits.cells.push({
        cellId: o.cellId,
        status: o.status,
        durationMs: o.result.durationMs,
        outputs: this.#outputView(o.cellId)!,
      });
      this.#hits.done = done;
      return;
    }
    this.#flushHits();
    const changed = this.#changedStates();
    if (changed.length) this.events.emit("cell_states", { cells: changed });
    this.events.emit("cell_console", {
      cellId: o.cellId,
      entries: o.result.console,
      truncated: o.result.consoleTruncated,
    });
    this.events.emit("cell_output", { cellId: o.cellId, ...this.#outputView(o.cellId)! });
    this.events.emit("cell_status", {
      cellId: o.cellId,
      status: o.status,
      cacheHit: o.cacheHit,
      durationMs: o.result.durationMs,
    });
    this.events.emit("cascade_progress", { cellId: o.cellId, done, total });
  }

  #flushHits(): void {
    const hits = this.#hits;
    if (!hits) return;
    this.#hits = undefined;
    this.events.emit("cache_hits", hits);
  }

  /** Loads the outputs of cells whose last run is still valid, so a reopened notebook shows them. */
  async #restoreOutputs(): Promise<void> {
    const valid = [...this.#model.provenance].filter(([id, prov]) => {
      const last = this.#runtime.cells[id];
      return last && last.provenance === prov.provenance && last.status === "ready";
    });
    // One index query for every cell (issue 20), not one per cell.
    const hits = await lookupCells(
      this.#deps.runtime.deps,
      this.scope.tenantHash,
      valid.map(([, prov]) => ({ provenance: prov.provenance, needed: [] })),
      this.#now().getTime(),
    );
    valid.forEach(([id, prov], i) => {
      const hit = hits[i];
      if (!hit.hit) return;
      this.#outputs.set(id, {
        provenance: prov.provenance,
        status: "ready",
        cacheHit: true,
        result: hit.result,
        finishedAt: this.#runtime.cells[id]?.finishedAt ?? "",
      });
    });
  }

  // ---- widgets (issue 16; the logic is in lib/widgets/) --------------------------------------

  /** The notebook's widget values (`.strata/runtime.json`), cell id → name → value. */
  widgetValues(): WidgetValues {
    return this.#runtime.widgets ?? {};
  }

  /** Stores (undefined: clears) one widget value in runtime.json and rebuilds the model. */
  async setWidgetValue(cellId: string, name: string, value: unknown): Promise<void> {
    this.#cell(cellId);
    await this.#edit(async () => {
      this.#runtime.widgets = withWidgetValue(this.#runtime.widgets, cellId, name, value);
      this.#journal = undefined;
      this.#journal = await writeRuntimeState(this.root, this.#runtime);
      this.#runtimeChanged.clear();
    });
  }

  /**
   * The model a run by `principal` uses (their sandbox ceiling, approvals read again), for runs
   * outside the session's own outputs (app viewers, lib/apps/).
   */
  async modelFor(principal: string | null): Promise<NotebookModel> {
    const forCaller = await this.#refreshSandbox(principal);
    this.#rebuild();
    return forCaller && principal !== null ? this.#buildModel(forCaller) : this.#model;
  }

  // ---- language service (issue 15: lib/langservice/) -----------------------------------------

  /** Completions at `offset` of a cell's source (default: the saved one; the editor sends its own). */
  async complete(cellId: string, input: { source?: string; offset: number }) {
    const { source, offset } = this.#typesInput(cellId, input);
    return await this.#types.complete(cellId, source, offset);
  }

  /** The type and documentation of the name at `offset`, or `{text: null}`. */
  async hover(cellId: string, input: { source?: string; offset: number }) {
    const { source, offset } = this.#typesInput(cellId, input);
    return await this.#types.hover(cellId, source, offset);
  }

  /** The cell and 1-based line/column declaring the name at `offset`, or null. */
  async definition(cellId: string, input: { source?: string; offset: number }) {
    const { source, offset } = this.#typesInput(cellId, input);
    return await this.#types.definition(cellId, source, offset);
  }

  /** Frees the language service (the registry forgets this session). */
  dispose(): void {
    this.#types.dispose();
  }

  #typesInput(cellId: string, input: { source?: string; offset: number }) {
    const source = input.source ?? this.#cell(cellId).cell.source;
    if (input.source !== undefined) this.#cell(cellId); // an unknown cell is a 404 either way
    if (!Number.isInteger(input.offset) || input.offset < 0 || input.offset > source.length) {
      throw new ValidationError(
        `Offset ${input.offset} is outside cell '${cellId}' (its source has ${source.length} characters)`,
      );
    }
    return { source, offset: input.offset };
  }

  // ---- views -------------------------------------------------------------------------------

  // ---- sandbox (issue 13) -------------------------------------------------------------------

  /**
   * Personal mode: approves grants this notebook's cells ask for (all awaiting ones when
   * `grants` is absent), stored in `.strata/approvals.json`. Returns the grants approved now.
   */
  async approveGrants(
    grants: readonly string[] | undefined,
    principal: string | null = null,
  ): Promise<string[]> {
    const sandbox = this.#deps.runtime.deps.sandbox;
    if (!sandbox || sandbox.settings.mode !== "personal") {
      throw new ValidationError(
        "Nothing to approve: in service mode the operator's [sandbox] policy decides what cells may do",
      );
    }
    return await this.#enqueue(async () => {
      const awaiting = [...new Set(this.#model.cells.flatMap((c) => c.grants.awaitingApproval))];
      const chosen = grants ?? awaiting;
      const unknown = chosen.filter((g) => !awaiting.includes(g));
      if (unknown.length > 0) {
        throw new ValidationError(
          `Cannot approve ${
            unknown.map((g) => `'${g}'`).join(", ")
          }: no cell of '${this.scope.path}' is waiting for ${
            unknown.length > 1 ? "them" : "it"
          } (waiting: ${awaiting.join(", ") || "nothing"})`,
        );
      }
      if (chosen.length > 0) {
        await sandbox.approve(this.root, chosen, { by: principal, now: this.#now() });
      }
      await this.#refreshSandbox(null);
      this.#rebuild();
      this.events.emitWith("notebook_state", () => this.state());
      return [...chosen];
    });
  }

  /** Reads approvals and symlink escapes; keeps the tenant-wide input, returns the caller's. */
  async #refreshSandbox(principal: string | null): Promise<SandboxInput | undefined> {
    const sandbox = this.#deps.runtime.deps.sandbox;
    if (!sandbox) return undefined;
    const scope = {
      tenantId: this.scope.tenantId,
      principal,
      notebookDir: this.root,
      notebookEnv: [],
    };
    const input = await sandbox.inputFor(scope);
    this.#sandbox = principal === null
      ? input
      : { ...input, ceiling: ceilingFor(sandbox.settings, { ...scope, principal: null }) };
    return input;
  }

  #rebuild(): void {
    const before = this.#model?.cells;
    this.#model = this.#buildModel(this.#sandbox);
    if (this.#model.cells !== before) this.#types.update(this.#model.cells); // issue 15
  }

  /**
   * The model for `sandbox`. Issue 20: a model built from equal inputs (the same notebook as
   * read, sandbox decision, environment, lock file, local modules, widget values) is reused and
   * only its statuses are recomputed, so a run-all of an unchanged notebook re-derives nothing;
   * after an edit, the last model with equal inputs but the notebook lends what did not change.
   */
  #buildModel(sandbox: SandboxInput | undefined): NotebookModel {
    const merged = this.scope.secrets?.merged();
    // Widgets (issue 16): the stored values are inputs of their cells' provenance.
    const runtime = this.#runtime;
    const manifest = this.#notebook.manifest;
    const key = sha256Hex(fingerprint({
      sandbox,
      env: merged?.env ?? manifest.env ?? {},
      secretKeys: merged ? [...merged.secretKeys].sort() : null,
      lock: this.#lockHash,
      worker: manifest.worker ?? null,
      prompt: this.#deps.runtime.deps.ai?.envHash ?? null,
    }));
    const widgetsKey = fingerprint(runtime.widgets ?? null);
    const built = this.#built.get(key);
    if (
      built && built.notebook === this.#notebook && built.widgets === widgetsKey &&
      this.#modulesUnchanged(built.base)
    ) {
      return { ...built.model, states: this.#statesOf(built.model) };
    }
    const base = this.#buildBaseModel(sandbox, merged, built?.base);
    const widgets = { lastRuns: runtime.cells, running: this.#running };
    const model = applyWidgets(base, runtime.widgets, widgets);
    // A few inputs at most are live at once (the tenant-wide one and running principals').
    if (!built && this.#built.size >= 4) this.#built.clear();
    this.#built.set(key, { notebook: this.#notebook, widgets: widgetsKey, base, model });
    return model;
  }

  /** True when every local module a cell imports still has the content `base` hashed. */
  #modulesUnchanged(base: NotebookModel): boolean {
    for (const c of base.cells) {
      const imports = c.analysis?.imports ?? [];
      if (c.cell.language === "prompt" || !imports.some(isRelativeSpecifier)) continue;
      const now = this.#localModules.hashes(imports); // read again: an edit of one is seen
      const then = base.provenance.get(c.cell.id)?.modules ?? {};
      if (fingerprint(now) !== fingerprint(then)) return false;
    }
    return true;
  }

  /** Statuses of a model's cells against the last runs, as buildModel computes them. */
  #statesOf(model: NotebookModel) {
    return computeStaleness({
      order: model.dag.order,
      current: model.provenance,
      lastRuns: this.#runtime.cells,
      running: this.#running,
      forced: new Set(),
    });
  }

  #buildBaseModel(
    sandbox: SandboxInput | undefined,
    merged: ReturnType<NonNullable<SessionScope["secrets"]>["merged"]> | undefined,
    previous?: NotebookModel,
  ): NotebookModel {
    return buildModel({
      root: this.root,
      cells: this.#notebook.cells,
      analyzer: this.#analyzer,
      analysisCache: this.#analysisCache,
      env: merged?.env ?? { ...(this.#notebook.manifest.env ?? {}) },
      secretKeys: merged?.secretKeys, // secrets by source (issue 13 item 6)
      denoVersion: this.#deps.runtime.deps.denoVersion,
      lockHash: this.#lockHash,
      worker: this.#notebook.manifest.worker,
      runtime: this.#runtime,
      running: this.#running,
      forced: new Set(),
      localModules: this.#localModules,
      sandbox,
      promptEnvHash: this.#deps.runtime.deps.ai?.envHash, // issue 18
    }, previous);
  }

  /**
   * Statuses only (provenance does not change during a run): O(cells), where a full rebuild
   * after every finished cell made a 200-cell run quadratic (≈10 ms per rebuild, measured).
   */
  #refreshStates(): void {
    this.#model = { ...this.#model, states: this.#statesOf(this.#model) };
  }

  /**
   * The `cell_states` views that differ from what clients have, now marked as sent. Only cells
   * whose status can have moved are looked at (issue 20: every view after every executed cell
   * made a run quadratic): the cells finished since the last diff and their dependents (the why
   * chains run through them), and the running ones. Any other cell's provenance, last run and
   * running flag are as they were.
   */
  #changedStates(): CellStateView[] {
    if (this.#sentStates.size === 0 && this.#sentFrom) {
      for (const c of this.#cellStates(this.#sentFrom)) {
        this.#sentStates.set(c.cellId, JSON.stringify(c));
      }
    }
    this.#sentFrom = undefined;
    const m = this.#model;
    const candidates = downstreamOfAll(m.dag, this.#unsent);
    for (const id of this.#unsent) candidates.add(id);
    for (const id of this.#running) candidates.add(id);
    this.#unsent.clear();
    return this.#cellStates(m, candidates).filter((c) => {
      const key = JSON.stringify(c);
      if (this.#sentStates.get(c.cellId) === key) return false;
      this.#sentStates.set(c.cellId, key);
      return true;
    });
  }

  /** Code cells' statuses and why-chains (of `only`, else all), named as people name cells. */
  #cellStates(m: NotebookModel, only?: ReadonlySet<string>): CellStateView[] {
    const whyText = only ? undefined : describeWhyAll(m.states, this.#label);
    return m.cells.filter((c) => c.analysis && (!only || only.has(c.cell.id))).map((c) => {
      const st = m.states.get(c.cell.id);
      return {
        cellId: c.cell.id,
        status: st?.status ?? "idle",
        staleReason: st?.reason ?? null,
        why: st?.why ?? [],
        whyText: whyText
          ? whyText.get(c.cell.id) ?? null
          : st && st.why.length
          ? describeWhy(st.why, this.#label)
          : null,
      };
    });
  }

  /** sourceVersion, remembered per source text (every state sends every cell's version). */
  #version(source: string): string {
    let v = this.#versions.get(source);
    if (v === undefined) {
      if (this.#versions.size > 2 * this.#notebook.cells.length + 64) this.#versions.clear();
      this.#versions.set(source, v = sourceVersion(source));
    }
    return v;
  }

  #label = (cellId: string): string => this.#model.byId.get(cellId)?.label ?? cellId;

  #cell(cellId: string) {
    const info = this.#model.byId.get(cellId);
    if (!info) {
      throw new NotFoundError(`Cell '${cellId}' not found in notebook '${this.scope.path}'`);
    }
    return info;
  }

  #now(): Date {
    return this.#deps.now?.() ?? new Date();
  }

  #outputView(cellId: string, restored = false): OutputView | null {
    const out = this.#outputs.get(cellId);
    const current = this.#model.provenance.get(cellId)?.provenance;
    if (!out) return null;
    const fromCache = restored && out.status === "ready" && out.provenance === current;
    return {
      displays: out.result.displays,
      console: out.result.console,
      consoleTruncated: out.result.consoleTruncated,
      error: out.error ?? null,
      cacheHit: out.cacheHit || fromCache,
      durationMs: out.result.durationMs,
      finishedAt: out.finishedAt,
      /** False when the cell changed since these outputs were made. */
      current: out.provenance === current,
    };
  }

  /** The DAG for clients. */
  dagView(): DagView {
    const d = this.#model.dag;
    return {
      order: d.order,
      edges: d.edges.map((e) => ({ from: e.from, to: e.to, kind: e.kind, names: e.names })),
    };
  }

  /**
   * The whole notebook state for clients (no secret values). `restored`: the view of a client
   * that just (re)connected, which receives stored results from the cache rather than watching
   * them run, so current, cached outputs are marked as cache hits.
   */
  state(options: { restored?: boolean } = {}): NotebookState {
    const m = this.#model;
    const manifest = this.#notebook.manifest;
    const whyText = describeWhyAll(m.states, this.#label);
    return {
      sessionId: this.id,
      seq: this.events.seq,
      busy: this.#busy,
      viewers: this.events.size,
      onChange: this.onChange,
      notebook: {
        id: manifest.notebook_id,
        name: manifest.name,
        owner: manifest.owner ?? null,
        path: this.scope.path,
        createdAt: manifest.created_at,
        updatedAt: manifest.updated_at,
        timeout: manifest.timeout ?? null,
      },
      env: this.scope.secrets?.view() ??
        Object.keys(manifest.env ?? {}).map((key) => ({ key, source: "notebook" })),
      secretManager: this.scope.secrets?.status() ?? null,
      /** Personal mode: grants the notebook's cells wait for (approve-grants runs them). */
      awaitingApproval: [...new Set(m.cells.flatMap((c) => c.grants.awaitingApproval))],
      cells: m.cells.map((c) => {
        const st = m.states.get(c.cell.id);
        return {
          id: c.cell.id,
          name: c.annotations.name ?? null,
          language: c.cell.language,
          file: c.cell.file,
          source: c.cell.source,
          // A cell of the run in progress is running, whatever the statuses computed before it.
          status: this.#running.has(c.cell.id)
            ? "running"
            : c.analysis
            ? st?.status ?? "idle"
            : "idle",
          staleReason: st?.reason ?? null,
          why: st?.why ?? [],
          whyText: whyText.get(c.cell.id) ?? null,
          label: c.label,
          lazy: c.annotations.lazy,
          version: this.#version(c.cell.source),
          defines: c.analysis?.defines ?? [],
          references: c.analysis?.references ?? [],
          upstream: [...(m.dag.upstream.get(c.cell.id) ?? [])],
          diagnostics: [...c.diagnostics, ...this.#types.diagnostics(c.cell.id, c.cell.source)],
          // Sandbox (issue 13): what the cell asks for and what the server decided.
          grants: {
            requested: c.grants.requested,
            refused: c.grants.refused,
            awaitingApproval: c.grants.awaitingApproval,
            blocked: c.grants.blocked,
          },
          provenance: m.provenance.get(c.cell.id)?.provenance ?? null,
          outputs: this.#outputView(c.cell.id, options.restored && !c.annotations.nocache),
        };
      }),
      dag: this.dagView(),
    };
  }
}

/** The output view of a cell whose answer is still streaming (issue 18). */
function partialOutput(displays: OutputView["displays"]): OutputView {
  return {
    displays,
    console: [],
    consoleTruncated: false,
    error: null,
    cacheHit: false,
    durationMs: 0,
    finishedAt: "",
    current: true,
  };
}

/** JSON of a value, with sets and maps as sorted arrays (so equal inputs give equal text). */
function fingerprint(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (v instanceof Set) return [...v].map(String).sort();
    if (v instanceof Map) return [...v].map(([k, x]) => [String(k), x]).sort();
    return v;
  });
}

/** A cell's edit version: a short hash of its exact source (whitespace and comments count). */
export function sourceVersion(source: string): string {
  return sha256Hex(source).slice(0, 16);
}

/**
 * A run that printed nothing leaves no console file (issue 20): an older run's is removed, which
 * is one unlink where writing an empty log was a file replaced by rename (which ext4 flushes).
 */
// deno-lint-ignore require-await -- a promise like atomicWriteJson's, so callers treat both alike
async function removeConsoleFile(path: string): Promise<void> {
  try {
    Deno.removeSync(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
}
