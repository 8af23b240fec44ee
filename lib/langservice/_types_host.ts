/**
 * The language services of every open notebook of the process, in one thread: the type Worker
 * (type_thread.ts starts it), or the server's own thread where no Worker can start. It answers
 * the messages below in order; a check yields between slices, so a completion for another cell
 * or notebook, or a newer edit (which cancels the check under way), is not held up by it.
 */
import {
  type Analyzer,
  analyzerNow,
  type CellAnalysis,
  loadAnalyzer,
} from "../notebook/analyzer.ts";
import { babelLoaded, babelRequirable } from "../notebook/_babel.ts";
import {
  createLanguageService,
  type NotebookLanguageService,
  type TypeDiagnostic,
} from "./language_service.ts";
import type { VirtualCellInput } from "./virtual_cells.ts";
import { typeScriptCodeCacheLoad, typeScriptLoaded } from "../notebook/_typescript.ts";
import type { CodeCacheUse } from "../notebook/_code_cache.ts";

/** A request to the type thread; `nb` names one notebook's service. */
export type TypesRequest =
  | { op: "open"; req: number; nb: number; cells: VirtualCellInput[]; npmCacheDir?: string }
  | { op: "update"; nb: number; cells: VirtualCellInput[] }
  | { op: "check"; req: number; nb: number }
  | {
    op: "complete" | "hover" | "definition";
    req: number;
    nb: number;
    cellId: string;
    source: string;
    offset: number;
    /** The source's analysis, made on the server's thread (the host then loads no parser). */
    analysis?: CellAnalysis;
  }
  | { op: "dispose"; nb: number }
  /** Whether the thread has loaded the compiler, and how it used its code cache (CompilerInfo). */
  | { op: "compiler"; req: number };

/** What the "compiler" request answers. */
export interface CompilerInfo {
  loaded: boolean;
  /** How the load used Strata's code cache; null when it loaded without one. */
  codeCache: CodeCacheUse | null;
  /** Whether the thread has loaded the cell parser (Babel): only for a request without analysis. */
  parser: boolean;
}

/** The answer to a request that has a `req`. */
export type TypesReply =
  | { req: number; ok: true; value: unknown }
  | { req: number; ok: false; error: string };

/**
 * What a check answers: each code cell's warnings with the source they are for, or null when a
 * newer edit or check of the notebook replaced it.
 */
export type CheckResult = [cellId: string, source: string, warnings: TypeDiagnostic[]][] | null;

/** Milliseconds of checking before yielding to other messages. */
const SLICE_MS = 15;

/**
 * Lets the thread's event loop take other messages between slices: a completion, a hover or a
 * newer edit that cancels the check. `setTimeout(0)`, though Deno clamps a nested one to 4 ms
 * (≈2 ms measured): `setImmediate` costs nothing, but messages from the server's thread then wait
 * 10–40 ms to be polled (measured with 1 ms slices), which made a completion during checks wait
 * (p90 43–58 → 91–144 ms in typecheck_latency_bench). The library warm-up, where nothing can be
 * answered yet, uses setImmediate (_libs.ts).
 */
function turn(): Promise<void> {
  return new Promise((ok) => setTimeout(ok, 0));
}

interface Notebook {
  /** The id the server's thread gave it. */
  id: number;
  ready: Promise<NotebookLanguageService | null>;
  cells: VirtualCellInput[];
  /** Bumped by each update and check: a check under way stops when it moves. */
  seq: number;
  /** A request swapped an unsaved source in: a check puts the saved cells back first. */
  swapped: boolean;
  disposed: boolean;
}

/** The services of one thread, driven by messages. */
export class TypesHost {
  #post: (reply: TypesReply) => void;
  #onWork: ((nb: number) => void) | undefined;
  /** The notebook whose work ran last (onWork was told). */
  #working = 0;
  #notebooks = new Map<number, Notebook>();
  #services: Promise<Analyzer> | undefined;
  /** Analyses the request being answered brought, by source. */
  #supplied = new Map<string, CellAnalysis>();

  /**
   * `onWork` is told whenever the thread starts working for another notebook than before: a
   * Worker that is then stopped (stuck, or out of memory) blames that notebook, not every
   * notebook that was waiting on it.
   */
  constructor(post: (reply: TypesReply) => void, onWork?: (nb: number) => void) {
    this.#post = post;
    this.#onWork = onWork;
  }

  #work(nb: number): void {
    if (nb === this.#working) return;
    this.#working = nb;
    this.#onWork?.(nb);
  }

  /** Handles one request (replies are posted, possibly later). */
  handle(m: TypesRequest): void {
    if (m.op === "open") return this.#open(m);
    if (m.op === "compiler") {
      const info: CompilerInfo = {
        loaded: typeScriptLoaded(),
        codeCache: typeScriptCodeCacheLoad()?.use ?? null,
        parser: babelLoaded(),
      };
      return this.#reply(m.req, Promise.resolve(info));
    }
    const nb = this.#notebooks.get(m.nb);
    if (m.op === "update") {
      if (!nb) return;
      nb.cells = m.cells;
      nb.seq++;
      void nb.ready.then((s) => {
        this.#work(m.nb);
        s?.update(nb.cells);
      });
      return;
    }
    if (m.op === "dispose") {
      if (!nb) return;
      this.#notebooks.delete(m.nb);
      nb.disposed = true;
      nb.seq++;
      void nb.ready.then((s) => s?.dispose());
      return;
    }
    if (!nb) return this.#reply(m.req, Promise.reject(new Error("no such notebook service")));
    if (m.op === "check") return this.#reply(m.req, this.#check(nb));
    this.#reply(
      m.req,
      nb.ready.then((s) => {
        if (!s || nb.disposed) throw new Error("the notebook's service is closed");
        this.#work(m.nb);
        nb.swapped = true;
        if (m.analysis) this.#supplied.set(m.source, m.analysis);
        try {
          if (m.op === "complete") return s.complete(m.cellId, m.source, m.offset);
          if (m.op === "hover") return s.hover(m.cellId, m.source, m.offset);
          return s.definition(m.cellId, m.source, m.offset);
        } finally {
          this.#supplied.delete(m.source);
        }
      }),
    );
  }

  /**
   * The services' analyzer: the analysis a request brought for its source, else the parser's
   * (loaded on first such use; where it cannot be required, as in the single-file build, before
   * the first service). The server's requests bring theirs, so a type Worker loads no parser.
   */
  #servicesAnalyzer(): Promise<Analyzer> {
    let plain: Analyzer | undefined;
    const analyzer: Analyzer = {
      analyze: (source, options) =>
        (options === undefined ? this.#supplied.get(source) : undefined) ??
          (plain ??= analyzerNow()).analyze(source, options),
      prepare: () => Promise.resolve(),
    };
    if (babelRequirable()) return Promise.resolve(analyzer);
    return loadAnalyzer().then((a) => (plain = a, analyzer));
  }

  #open(m: Extract<TypesRequest, { op: "open" }>): void {
    const analyzer = this.#services ??= this.#servicesAnalyzer();
    // Runs once `nb` below exists; it reads the cells as they are then (updates may have come).
    const built = analyzer.then((a) => {
      this.#work(m.nb);
      return createLanguageService({ cells: nb.cells, analyzer: a, npmCacheDir: m.npmCacheDir });
    }).then((s) => {
      this.#work(m.nb);
      s.update(nb.cells); // updates that came while it was built
      return s;
    });
    // A failed build answers the open; later requests then answer "closed".
    const nb: Notebook = {
      id: m.nb,
      ready: built.catch(() => null),
      cells: m.cells,
      seq: 0,
      swapped: false,
      disposed: false,
    };
    this.#notebooks.set(m.nb, nb);
    this.#reply(m.req, built.then(() => null));
  }

  async #check(nb: Notebook): Promise<CheckResult> {
    const s = await nb.ready;
    if (!s || nb.disposed) return null;
    const seq = ++nb.seq;
    const out: NonNullable<CheckResult> = [];
    let started = performance.now();
    this.#work(nb.id);
    for (const cell of nb.cells) {
      if (cell.language !== "typescript") continue;
      if (performance.now() - started >= SLICE_MS) {
        await turn();
        if (nb.seq !== seq || nb.disposed) return null;
        started = performance.now();
        this.#work(nb.id);
      }
      if (nb.swapped) {
        s.update(nb.cells); // a completion's unsaved source: check the saved cells
        nb.swapped = false;
      }
      out.push([cell.id, cell.source, s.diagnostics(cell.id)]);
    }
    return out;
  }

  #reply(req: number, value: Promise<unknown>): void {
    value.then(
      (v) => this.#post({ req, ok: true, value: v }),
      (e) => this.#post({ req, ok: false, error: e instanceof Error ? e.message : String(e) }),
    );
  }
}
