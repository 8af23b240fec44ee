/**
 * The type side of an open notebook session: keeps its language service (in the type thread,
 * type_thread.ts) in step with the saved cells, and re-checks every code cell in the background
 * after each change. Type warnings are cached per cell source and reported through `onChange`;
 * they never block a run, and the checking never runs on the server's event loop.
 *
 * The service (the parsed Deno and ES declarations, a checker and the compiler code they run, ≈75
 * MiB for the first notebook, in the type Worker) is built on first need only: the first
 * completion, hover or definition request, or the first edit of a cell after opening. A notebook
 * opened to read or run pays nothing for it; its type warnings appear once someone edits or asks
 * (issue 20).
 */
import type { CellAnalysis } from "../notebook/analyzer.ts";
import type { Logger } from "../log.ts";
import type {
  CompletionResult,
  DefinitionResult,
  HoverResult,
  TypeDiagnostic,
} from "./language_service.ts";
import { openTypeService, type TypeService } from "./type_thread.ts";
import type { VirtualCellInput } from "./virtual_cells.ts";

/** Server-wide settings of the type service (SessionDeps.typeCheck). */
export interface TypeCheckOptions {
  /** Deno's npm cache folder, for the types of `npm:` imports (see npmCacheDirFrom). */
  npmCacheDir?: string;
}

/** Options of NotebookTypes. */
export interface NotebookTypesOptions {
  npmCacheDir?: string;
  /**
   * Check every cell in the background once the service exists, and build it on the first edit
   * after opening (else: only on the first request). Opening alone never builds it.
   */
  background: boolean;
  /** Some cell's type warnings changed. */
  onChange(): void;
  log?: Logger;
  /**
   * A service nobody asked about (no request, no edit) for this long is freed; its warnings
   * stay, and the next request or edit builds it again (≈20 MB per 100-cell notebook).
   * @default 600000
   */
  idleMs?: number;
  now?: () => number;
  /**
   * Quiet time after an edit before the background check starts; edits within it restart it,
   * so a burst of edits (typing, an agent adding cells) is checked once, not once per edit.
   * @default 200
   */
  checkDelayMs?: number;
  /**
   * Analyzes the unsaved source of a completion, hover or definition request on this thread, so
   * that the type Worker loads no parser (≈13 MiB) of its own. Absent: the Worker analyzes it.
   */
  analyze?: (source: string) => Promise<CellAnalysis>;
}

/** What NotebookTypes needs from one cell of the model. */
export interface TypesCellInput {
  cell: { id: string; language: VirtualCellInput["language"]; source: string };
  analysis: CellAnalysis | null;
}

/** Default quiet time after an edit before re-checking. */
const CHECK_DELAY_MS = 200;
/** Stuck checks of one notebook (see NotebookTypes.suspended) before its checking is off. */
const STUCK_LIMIT = 2;
/** How long its checking then stays off. */
const SUSPEND_MS = 10 * 60_000;

/** What the first code cell shows while the notebook's type checking is off. */
const SUSPENDED_NOTICE: TypeDiagnostic = {
  severity: "warning",
  source: "types",
  code: "types-suspended",
  message: "Type checking is off for this notebook for 10 minutes: twice, checking it stopped " +
    "the type checker (a type that kept it busy for seconds on end, or that needed more memory " +
    "than its cap), which held up every notebook's analyses. The next edit after that tries again.",
  line: 1,
  column: 1,
};

/** The language service of one session. */
export class NotebookTypes {
  #options: NotebookTypesOptions;
  #inputs: VirtualCellInput[] = [];
  #service: TypeService | null = null;
  #creating: Promise<TypeService | null> | null = null;
  #warnings = new Map<string, { source: string; list: TypeDiagnostic[] }>();
  #generation = 0;
  #disposed = false;
  /** The last full check saw exactly #inputs. */
  #checked = false;
  #lastUsed = 0;
  #releaseTimer: ReturnType<typeof setTimeout> | undefined;
  /** The first update (the notebook as opened) was seen. */
  #opened = false;
  /** Someone edited a cell or asked for types since opening: the service may be built. */
  #wanted = false;
  /** Stuck checks of this notebook's own that count towards the next pause (see suspended). */
  #stuck = 0;
  /** Until when type checking stays off (see suspended). */
  #suspendedUntil = 0;

  constructor(options: NotebookTypesOptions) {
    this.#options = options;
  }

  /** Whether the language service is built (not yet built, freed when idle, or disposed). */
  get active(): boolean {
    return this.#service !== null;
  }

  /** Frees the service when idle for `idleMs` at `now`; answers whether it did. */
  releaseIfIdle(now = this.#now()): boolean {
    if (!this.#service || now - this.#lastUsed < (this.#options.idleMs ?? 600_000)) return false;
    this.#generation++;
    this.#service.dispose();
    this.#service = null;
    this.#creating = null;
    return true;
  }

  #now(): number {
    return this.#options.now?.() ?? Date.now();
  }

  #touch(): void {
    this.#lastUsed = this.#now();
    if (this.#disposed) return;
    clearTimeout(this.#releaseTimer);
    const timer = setTimeout(() => this.releaseIfIdle(), (this.#options.idleMs ?? 600_000) + 1000);
    Deno.unrefTimer(timer);
    this.#releaseTimer = timer;
  }

  /**
   * Takes the saved cells after a rebuild. The first call is the notebook as opened: it builds
   * nothing. A later call that changed a source (an edit) builds the service when background
   * checking is on, and schedules a re-check when it exists.
   */
  update(cells: readonly TypesCellInput[]): void {
    const before = this.#inputs;
    this.#inputs = cells.map((c) => ({
      id: c.cell.id,
      language: c.cell.language,
      source: c.cell.source,
      analysis: c.analysis,
    }));
    const same = before.length === this.#inputs.length &&
      before.every((c, i) =>
        c.id === this.#inputs[i].id && c.source === this.#inputs[i].source &&
        c.language === this.#inputs[i].language
      );
    if (!this.#opened) {
      // Opening: no compiler, no declarations, no checker until an edit or a request.
      this.#opened = true;
      if (!this.#wanted) return;
    }
    // A rebuild that changed no source (a run finishing) needs no check, nor a freed service.
    if (same && (!this.#wanted || this.#service || this.#creating || this.#checked)) return;
    this.#wanted = true;
    this.#checked = false;
    this.#touch();
    if (this.#service) {
      this.#service.update(this.#inputs);
      this.#schedule(this.#options.checkDelayMs ?? CHECK_DELAY_MS);
    } else if (this.#options.background) void this.#ensure();
  }

  /**
   * Type warnings of a cell, when the last check saw its current source. While type checking is
   * off for the notebook (`suspended`), its first code cell says so instead, so that nobody takes
   * the missing warnings and completions for a clean bill.
   */
  diagnostics(cellId: string, source: string): TypeDiagnostic[] {
    if (this.suspended) {
      const first = this.#inputs.find((c) => c.language === "typescript");
      return first?.id === cellId ? [SUSPENDED_NOTICE] : [];
    }
    const w = this.#warnings.get(cellId);
    return w && w.source === source ? w.list : [];
  }

  /** Completions at `offset` of `source`. */
  async complete(cellId: string, source: string, offset: number): Promise<CompletionResult> {
    this.#wanted = true;
    this.#touch();
    const s = await this.#ensure();
    return s
      ? await s.complete(cellId, source, offset, await this.#analysis(source))
      : { items: [], from: offset };
  }

  /** Hover text at `offset` of `source`. */
  async hover(cellId: string, source: string, offset: number): Promise<HoverResult> {
    this.#wanted = true;
    this.#touch();
    const s = await this.#ensure();
    return s ? await s.hover(cellId, source, offset, await this.#analysis(source)) : { text: null };
  }

  /** The cell (and position) declaring the name at `offset`. */
  async definition(
    cellId: string,
    source: string,
    offset: number,
  ): Promise<DefinitionResult | null> {
    this.#wanted = true;
    this.#touch();
    const s = await this.#ensure();
    return s ? await s.definition(cellId, source, offset, await this.#analysis(source)) : null;
  }

  /** A request's source analyzed here (undefined: the type thread analyzes it). */
  async #analysis(source: string): Promise<CellAnalysis | undefined> {
    return await this.#options.analyze?.(source).catch(() => undefined);
  }

  /** Stops background checks and frees the service (the session is closing). */
  dispose(): void {
    this.#disposed = true;
    clearTimeout(this.#releaseTimer);
    this.#generation++;
    this.#service?.dispose();
    this.#service = null;
    this.#warnings.clear();
  }

  /**
   * Whether type checking is off for now: twice, a check or request of this notebook kept the
   * shared type Worker busy until it was stopped (a type that makes the checker run for
   * minutes), or made it outgrow its memory cap, and every other notebook's analyses and
   * requests waited or were lost meanwhile. It is not built
   * again for SUSPEND_MS; after that the next edit or request tries once more, and one more stuck
   * check turns it off again. So such a notebook can hold up the others for at most 10 s in 10
   * minutes, and a fixed one gets its checking back without a restart.
   */
  get suspended(): boolean {
    return this.#now() < this.#suspendedUntil;
  }

  #ensure(): Promise<TypeService | null> {
    if (this.#service) return Promise.resolve(this.#service);
    if (this.suspended) return Promise.resolve(null);
    const creating: Promise<TypeService | null> = openTypeService(this.#inputs, {
      npmCacheDir: this.#options.npmCacheDir,
      onLost: (reason, stuck) => {
        // The type thread stopped under it (a crash, or a stuck or out-of-memory check): the
        // next edit or request builds it again, unless this notebook's own check stopped it too
        // often.
        if (this.#creating !== creating) return;
        if (stuck && ++this.#stuck >= STUCK_LIMIT) {
          this.#suspendedUntil = this.#now() + SUSPEND_MS;
          this.#stuck = STUCK_LIMIT - 1; // after the pause, one more stuck check pauses it again
          this.#warnings.clear();
          this.#options.onChange(); // the first code cell now says checking is off
        }
        this.#options.log?.warn(
          this.suspended ? "type checking is off for this notebook" : "type checking restarts",
          { reason, ...(stuck ? { stuck: true } : {}) },
        );
        this.#service = null;
        this.#creating = null;
        this.#generation++;
      },
    }).then((s) => {
      if (this.#disposed || this.#creating !== creating) {
        s.dispose();
        return null;
      }
      this.#service = s;
      s.update(this.#inputs); // edits made while it was built
      // Rebuilt after an idle release with nothing changed: the warnings are still right.
      if (!this.#checked) this.#schedule(0);
      return s;
    }, (err) => {
      this.#options.log?.warn("language service unavailable", { error: String(err) });
      if (this.#creating === creating) this.#creating = null;
      return null;
    });
    this.#creating = creating;
    return creating;
  }

  /**
   * Re-checks every code cell (in the type thread), starting after `delayMs`; a newer change
   * cancels an older check (pending or under way).
   */
  #schedule(delayMs: number): void {
    const generation = ++this.#generation;
    later(async () => {
      const s = this.#service;
      if (!s || generation !== this.#generation) return;
      const result = await s.check().catch(() => null);
      if (!result || generation !== this.#generation || s !== this.#service) return;
      let changed = false;
      for (const [id, source, list] of result) {
        // What diagnostics() answered for this source until now (none for a new source): a check
        // that finds what was shown sends no notebook_state (the edit itself sent one).
        const before = this.#warnings.get(id);
        const shown = before && before.source === source ? before.list : [];
        if (!sameWarnings(shown, list)) changed = true;
        this.#warnings.set(id, { source, list });
      }
      const live = new Set(this.#inputs.map((c) => c.id));
      for (const id of [...this.#warnings.keys()]) if (!live.has(id)) this.#warnings.delete(id);
      this.#checked = true;
      if (changed) this.#options.onChange();
    }, delayMs);
  }
}

function later(fn: () => void, ms: number): void {
  // Unref'd: a pending check never keeps a finished process (a CLI command, a test) alive.
  Deno.unrefTimer(setTimeout(fn, ms));
}

function sameWarnings(a: TypeDiagnostic[], b: TypeDiagnostic[]): boolean {
  return a.length === b.length &&
    a.every((d, i) =>
      d.code === b[i].code && d.line === b[i].line && d.column === b[i].column &&
      d.message === b[i].message
    );
}
