/**
 * A notebook session: one open notebook folder, its derived model, the outputs of its cells, and
 * one run at a time (later requests queue). Edits go through lib/notebook/format.ts (atomic);
 * runs through the run engine; every change is announced on the session's event hub.
 */
import { join } from "node:path";
import { NotFoundError, ValidationError } from "../errors.ts";
import type { Analyzer, CellAnalysis } from "../notebook/analyzer.ts";
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
import type { CellLanguage } from "../notebook/cell_files.ts";
import { lockFileHash } from "../notebook/provenance.ts";
import {
  readRuntimeState,
  type RuntimeState,
  writeRuntimeState,
} from "../notebook/runtime_state.ts";
import { describeWhy } from "../notebook/staleness.ts";
import type { SessionSecrets } from "../secrets/session_secrets.ts";
import { atomicWriteJson } from "./_atomic_json.ts";
import { lookupCell, type StoredResult } from "../runtime/cell_cache.ts";
import { buildModel, type NotebookModel } from "./cell_model.ts";
import { EventHub } from "./events.ts";
import type { CellRunOutcome, RunMode } from "../runtime/run_engine.ts";
import type { Runtime } from "../runtime/runtime.ts";
import type { CellError } from "../executor/types.ts";
import type { DagView, NotebookState, OutputView } from "../protocol/notebook_state.ts";
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
  #notebook: Notebook;
  #runtime: RuntimeState;
  #lockHash: string | null;
  #model!: NotebookModel;
  #outputs = new Map<string, CellOutputs>();
  #running = new Set<string>();
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
    lockHash: string | null,
  ) {
    this.id = id;
    this.root = root;
    this.scope = scope;
    this.#deps = deps;
    this.#analyzer = analyzer;
    this.#notebook = notebook;
    this.#runtime = runtime;
    this.#lockHash = lockHash;
    this.events = new EventHub(deps.now);
    this.#types = new NotebookTypes({ // issue 15
      analyzer,
      npmCacheDir: deps.typeCheck?.npmCacheDir,
      background: deps.typeCheck !== undefined,
      onChange: () => this.events.emit("notebook_state", this.state()),
      log: deps.runtime.deps.log,
    });
  }

  /** Opens a notebook folder: reads it, analyzes every cell, restores cached outputs. */
  static async open(
    root: string,
    scope: SessionScope,
    deps: SessionDeps,
  ): Promise<NotebookSession> {
    const [analyzer, notebook, runtime, lock] = await Promise.all([
      deps.runtime.analyzer(),
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
      crypto.randomUUID(),
      root,
      scope,
      deps,
      analyzer,
      notebook,
      runtime.state,
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

  /** Replaces a cell's source. */
  async editCell(cellId: string, source: string): Promise<void> {
    if (typeof source !== "string") throw new ValidationError("Cell source must be a string");
    this.#cell(cellId);
    await this.#edit(async () => {
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

  async #edit<T>(fn: () => Promise<T>): Promise<T> {
    // Edits wait for a running run: the run works on the model it started with.
    const result = await this.#enqueue(fn);
    this.scope.secrets?.setNotebookEnv(this.#notebook.manifest.env ?? {});
    this.#rebuild();
    this.events.emit("dag_update", this.dagView());
    this.events.emit("notebook_state", this.state());
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
    this.events.emit("notebook_state", this.state());
  }

  // ---- runs --------------------------------------------------------------------------------

  /** Runs a cell and the stale upstream cells it needs. */
  async execute(
    cellId: string,
    mode: RunMode = "normal",
    principal: string | null = null,
  ): Promise<RunSummary> {
    const info = this.#cell(cellId);
    if (info.cell.language !== "typescript") {
      return { cells: [], ok: true };
    }
    return await this.#enqueue(() => this.#run([cellId], mode, principal));
  }

  /** Runs every code cell (cache hits where valid). */
  async runAll(mode: RunMode = "normal", principal: string | null = null): Promise<RunSummary> {
    return await this.#enqueue(() => this.#run(this.#model.dag.order, mode, principal));
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

  async #run(targets: string[], mode: RunMode, principal: string | null): Promise<RunSummary> {
    this.lastUsed = Date.now();
    // Sandbox (issue 13): approvals and symlinks are read again at run time; the ceiling is the
    // running principal's (the state shows the tenant-wide one).
    const forCaller = await this.#refreshSandbox(principal);
    this.#rebuild();
    const model = forCaller && principal !== null ? this.#buildModel(forCaller) : this.#model;
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
        },
        hooks: {
          onStart: (ids) =>
            this.events.emit("cascade_progress", { cells: ids, done: 0, total: ids.length }),
          onCellRunning: (id) => {
            this.#running.add(id);
            this.events.emit("cell_status", { cellId: id, status: "running" });
          },
          persist: (o) => this.#persist(o, model),
          beforeRecord: () => writeRuntimeState(this.root, this.#runtime),
          emit: (o, done, total) => this.#emitOutcome(o, done, total),
        },
      });
    } finally {
      this.#abort = undefined;
      this.#busy = false;
      this.#running.clear();
      this.#rebuild();
      this.events.emit("notebook_state", this.state());
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

  /** Step `persist` for a session: its outputs, runtime state and (when run) console file. */
  async #persist(o: CellRunOutcome, model: NotebookModel): Promise<void> {
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
    this.#runtime.cells[o.cellId] = {
      provenance: o.provenance,
      status: o.status,
      sourceHash: prov.sourceHash,
      envHash: prov.envHash,
      upstream: prov.upstream,
      startedAt: new Date(o.startedAt).toISOString(),
      finishedAt,
      durationMs: o.result.durationMs,
      error: o.error?.message,
    };
    if (!o.cacheHit) {
      await atomicWriteJson(join(this.root, ".strata", "console", `${o.cellId}.json`), {
        cellId: o.cellId,
        provenance: o.provenance,
        finishedAt,
        console: o.result.console,
        truncated: o.result.consoleTruncated,
      });
    }
  }

  /** Step `emit` for a session: the finished cell's console, outputs, status and progress. */
  #emitOutcome(o: CellRunOutcome, done: number, total: number): void {
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

  /** Loads the outputs of cells whose last run is still valid, so a reopened notebook shows them. */
  async #restoreOutputs(): Promise<void> {
    for (const [id, prov] of this.#model.provenance) {
      const last = this.#runtime.cells[id];
      if (!last || last.provenance !== prov.provenance || last.status !== "ready") continue;
      const hit = await lookupCell(
        this.#deps.runtime.deps,
        this.scope.tenantHash,
        prov.provenance,
        [],
        this.#now().getTime(),
      );
      if (hit.hit) {
        this.#outputs.set(id, {
          provenance: prov.provenance,
          status: "ready",
          cacheHit: true,
          result: hit.result,
          finishedAt: last.finishedAt ?? "",
        });
      }
    }
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
      await writeRuntimeState(this.root, this.#runtime);
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

  /** Runs several cells (and the stale cells they need) as one run. */
  async executeCells(
    cellIds: readonly string[],
    mode: RunMode = "normal",
    principal: string | null = null,
  ): Promise<RunSummary> {
    for (const id of cellIds) this.#cell(id);
    return await this.#enqueue(() => this.#run([...cellIds], mode, principal));
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
      this.events.emit("notebook_state", this.state());
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
    this.#model = this.#buildModel(this.#sandbox);
    this.#types.update(this.#model.cells); // issue 15
  }

  #buildModel(sandbox: SandboxInput | undefined): NotebookModel {
    const merged = this.scope.secrets?.merged();
    // Widgets (issue 16): the stored values are inputs of their cells' provenance.
    const runtime = this.#runtime;
    const widgets = { lastRuns: runtime.cells, running: this.#running };
    return applyWidgets(this.#buildBaseModel(sandbox, merged), runtime.widgets, widgets);
  }

  #buildBaseModel(
    sandbox: SandboxInput | undefined,
    merged: ReturnType<NonNullable<SessionScope["secrets"]>["merged"]> | undefined,
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
      sandbox,
    });
  }

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
    return {
      sessionId: this.id,
      seq: this.events.seq,
      busy: this.#busy,
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
          status: c.analysis ? st?.status ?? "idle" : "idle",
          staleReason: st?.reason ?? null,
          why: st?.why ?? [],
          whyText: st && st.why.length ? describeWhy(st.why) : null,
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
