/**
 * The untrusted half of a cell child: runs in a Worker, where cell code runs. It takes jobs from
 * the supervisor (the child's main thread) over a MessagePort it received before any cell code
 * ran, runs them in order (values of a batch flow in memory), and reports console lines and one
 * result per job. It never sees the frame nonce and never writes frames: a cell that patches
 * intrinsics here can only change what this realm reports for itself, and the supervisor decides
 * which job a report belongs to.
 */

import { deserialize, serialize } from "node:v8";
import { formatWithOptions } from "node:util";
import { pathToFileURL } from "node:url";
import { Script } from "node:vm";
import { decodeValue, encodeValue } from "./codecs.ts";
import { type DisplayOptions, html, md, svg, toDisplay } from "./display.ts";
import { prepareDom } from "./_dom.ts"; // issue 16
import { linkTableSources } from "./_table_source.ts"; // issue 16
import { describeVariables, VARIABLES_VALUE } from "./_variables.ts"; // issue 16
import {
  type ChildError,
  type ChildJob,
  type ChildModule,
  isFileValue,
  RUNTIME_KEY,
  type WireValue,
} from "./protocol.ts";
import type { RunnerReport, RunnerRequest } from "./_realm.ts";
import type { ConsoleEntry, DisplayOutput, EncodedValue } from "./types.ts";
import { createUi, rememberCellSource } from "../widgets/ui_child.ts"; // widgets (issue 16)

type Thunks = Record<string, () => unknown>;

interface JobState {
  size: number;
  limit: number;
  truncated: boolean;
  displays: DisplayOutput[];
  muted: boolean;
  scope: Record<string, unknown>;
  thunks?: Thunks;
  peek?: Thunks; // issue 16: every declared name, for the variables panel
  asyncError?: unknown;
}

type Post = (report: RunnerReport, transfer?: Transferable[]) => void;

let scratchDir = "";
/** scratchDir as a file URL, made once (a first pathToFileURL costs ≈0.5 ms in a fresh realm). */
let scratchUrl = "";
let current: JobState | undefined;
let moduleCounter = 0;
let workersStarted = 0;
let maxWorkers = 0;
let send: Post = () => {};

/**
 * Worker entry: waits for the supervisor's port, warms up, then runs each job it is sent.
 * Everything it keeps (the bound `post`) is captured before any cell code runs.
 */
export function startRunner(early: MessageEvent<RunnerRequest>[] = []): void {
  const scope = globalThis as unknown as {
    onmessage: ((e: MessageEvent<RunnerRequest>) => void) | null;
    postMessage: (message: unknown) => void;
  };
  let initialized = false;
  scope.onmessage = (e) => {
    const req = e.data;
    if (req.t !== "init" || initialized) return;
    initialized = true;
    scope.onmessage = null; // later messages on the worker's own channel are ignored
    // First-use costs, then the globals, while the child waits in the pool. A cold run (its job
    // already waiting) installs the globals and takes the job at once: warming up first, and the
    // round trip that asked for `init`, made its first result ≈7–10 ms later (issue 20). No cell
    // runs before a job.
    const warm = (req.warm ? warmUp(req.scratchDir) : Promise.resolve()).then(installGlobals);
    warm.catch(() => {}); // reported as `ready` below
    scratchDir = req.scratchDir;
    scratchUrl = pathToFileURL(scratchDir).href;
    const port = req.port;
    const post = port.postMessage.bind(port) as Post;
    send = post;
    const live = new Map<string, unknown>();
    let started = false;
    port.onmessage = async (m: MessageEvent<RunnerRequest>) => {
      const r = m.data;
      if (r.t !== "jobs" || started) return;
      started = true;
      // One job after the other, without a round trip to the supervisor between them (issue 20):
      // the next job's modules are written while the current one runs.
      if (r.jobs.length > 0) writeModules(r.jobs[0]);
      for (let i = 0; i < r.jobs.length; i++) {
        const job = r.jobs[i];
        if (i + 1 < r.jobs.length) writeModules(r.jobs[i + 1]);
        maxWorkers = job.maxWorkers;
        post(...withTransfer(await runJob(job, live)));
      }
    };
    // The globals went in while the child waited in the pool, not when its first job arrives.
    warm.then(() => post({ t: "ready" }), (err) => {
      post({ t: "ready", error: errorMessage(err) });
    });
  };
  // `init` may have come while this realm loaded (harness.ts kept it); otherwise ask for it.
  for (const e of early) scope.onmessage?.(e);
  if (!initialized) scope.postMessage({ t: "listening" });
}

/** Large output bytes move to the supervisor without a copy. */
function withTransfer(report: RunnerReport): [RunnerReport, Transferable[]] {
  if (report.t !== "result") return [report, []];
  const transfer: Transferable[] = [];
  for (const o of report.outputs) {
    if (!isFileValue(o) && o.bytes.byteLength >= 65_536 && o.bytes.byteOffset === 0) {
      if (o.bytes.byteLength === o.bytes.buffer.byteLength) transfer.push(o.bytes.buffer);
    }
  }
  return [report, transfer];
}

/** First-use costs (module loader, TS emit, codecs) paid while the child waits in the pool. */
async function warmUp(dir: string): Promise<void> {
  const path = `${dir}/warm.ts`;
  await Deno.writeTextFile(path, "const w: number = 1;\nexport default w;\n");
  await import(pathToFileURL(path).href);
  deserialize(serialize({ m: new Map([[1, new Uint8Array(1)]]) }));
  // The function-body path (compileScript) once: node:vm's first use.
  new Script(`${SCRIPT_OPEN}\n})`, { filename: pathToFileURL(path).href }).runInThisContext();
  formatWithOptions({ colors: false }, "%s", { a: 1 });
  toDisplay([{ a: 1 }]);
  toDisplay(1);
  // A job's whole path once, compiled now rather than in the first run (issue 20: each step of a
  // fresh process's first job cost 0.2–0.5 ms more than the same step of a second job). Its module
  // is warm.ts, already imported, so no code runs and no file is written; nothing is reported.
  const w = encodeValue("w", { a: [1] });
  const vars = encodeValue(VARIABLES_VALUE, describeVariables({ w: () => 1 }));
  if (!w.ok || !vars.ok) return;
  withTransfer({
    t: "result",
    outputs: [vars.value],
    displays: [],
    consoleTruncated: false,
    durationMs: 0,
  });
  const module: ChildModule = { cellId: "warm", code: "", names: [] };
  written.set(module, Promise.resolve(path));
  await runJob({
    cellId: "warm",
    module,
    codeModules: [],
    inputs: [w.value],
    carry: [],
    outputs: [],
    env: {},
    consoleLimit: 0,
    timeoutMs: 0,
    maxWorkers: 0,
  }, new Map());
}

/** Epoch milliseconds, comparable across the server, the supervisor and this thread. */
const now = () => performance.timeOrigin + performance.now();

async function runJob(job: ChildJob, live: Map<string, unknown>): Promise<RunnerReport> {
  const started = performance.now();
  const steps: Record<string, number> = { "runner: job received": now() };
  const state: JobState = {
    size: 0,
    limit: job.consoleLimit,
    truncated: false,
    displays: [],
    muted: false,
    scope: {},
  };
  current = state;
  const finish = (outputs: EncodedValue[], error?: ChildError): RunnerReport => {
    current = undefined;
    return {
      t: "result",
      outputs,
      displays: state.displays,
      consoleTruncated: state.truncated,
      error,
      durationMs: performance.now() - started,
      steps: { ...steps, "runner: outputs encoded": now() },
    };
  };
  for (const [k, v] of Object.entries(job.env)) {
    if (Deno.permissions.querySync({ name: "env", variable: k }).state === "granted") {
      Deno.env.set(k, v);
    }
  }
  try {
    for (const input of job.inputs) state.scope[input.name] = decodeValue(await readWire(input));
  } catch (e) {
    return finish([], { kind: "exception", message: errorMessage(e), moduleIndex: -1 });
  }
  for (const name of job.carry) {
    if (!live.has(name)) {
      const message = `Input '${name}' is not available: the cell defining it failed earlier`;
      return finish([], { kind: "exception", message, moduleIndex: -1 });
    }
    state.scope[name] = live.get(name);
  }
  await prepareDom([job.module.code, ...job.codeModules.map((c) => c.code)]); // issue 16
  for (let m = 0; m < job.codeModules.length; m++) {
    const mod = job.codeModules[m];
    const error = await evaluate(mod, m, state);
    if (error) return finish([], error);
    for (const name of mod.names) {
      try {
        state.scope[name] = state.thunks?.[name]();
      } catch {
        const message = `Cell '${mod.cellId}' does not define '${name}' at its top level`;
        return finish([], { kind: "exception", message, moduleIndex: m });
      }
    }
  }
  steps["runner: inputs decoded"] = now();
  const error = await evaluate(job.module, -1, state, steps);
  if (error) return finish([], error);
  const outputs: EncodedValue[] = [];
  for (const name of job.outputs) {
    let value: unknown;
    try {
      value = state.thunks![name]();
    } catch {
      const message = `Output '${name}' is not defined at the top level of the cell`;
      return finish([], { kind: "encode", message, moduleIndex: -1 });
    }
    const enc = encodeValue(name, value, { cellId: job.cellId });
    if (!enc.ok) return finish([], { kind: "encode", message: enc.message, moduleIndex: -1 });
    outputs.push(enc.value);
    live.set(name, value);
  }
  outputs.push(...linkTableSources( // issue 16: large tables are stored for server paging
    state.displays,
    job.outputs,
    (n) => state.thunks![n](),
    (n, v) => encodeValue(n, v, { cellId: job.cellId }),
  ));
  const vars = encodeValue(VARIABLES_VALUE, describeVariables(state.peek ?? {})); // issue 16
  if (vars.ok) outputs.push(vars.value); // issue 16
  return finish(outputs);
}

/** Module files being written, by module: a job's are started before the job before it runs. */
const written = new Map<ChildModule, Promise<string>>();

/** Starts writing a job's module files (each once), numbered in the order they are imported. */
function writeModules(job: ChildJob): void {
  for (const mod of [...job.codeModules, job.module]) if (!mod.script) writeModule(mod);
}

/**
 * Opens a cell's code as the body of an async function, on line 1 so that positions are the
 * module's: a stack frame reads `<url>:<line>:<column>` as the module's import would have.
 */
const SCRIPT_OPEN = `(async function () {"use strict";`;

/**
 * The cell compiled as a function in this realm, under the URL its module would have had
 * (issue 20: no file, no module load, no Deno cache rows; 0.02 ms against 1–2 ms). Undefined
 * when V8 refuses it: the module path then runs it and reports what is wrong where.
 */
function compileScript(mod: ChildModule): { url: string; run: () => Promise<unknown> } | undefined {
  const url = `${scratchUrl}/cell_${++moduleCounter}.js`;
  try {
    const code = typeof mod.script === "string" ? mod.script : mod.code;
    const script = new Script(`${SCRIPT_OPEN}${code}\n})`, {
      filename: url,
      columnOffset: -SCRIPT_OPEN.length,
    });
    const fn = script.runInThisContext() as (this: undefined) => Promise<unknown>;
    rememberCellSource(url, code);
    return { url, run: () => fn.call(undefined) };
  } catch {
    return undefined;
  }
}

function writeModule(mod: ChildModule): Promise<string> {
  let done = written.get(mod);
  if (done) return done;
  // Plain JavaScript is imported without Deno's TypeScript transpile and emit file (issue 20).
  const path = `${scratchDir}/cell_${++moduleCounter}.${mod.js ? "js" : "ts"}`;
  done = Deno.writeTextFile(path, mod.code).then(() => path);
  done.catch(() => {}); // awaited, and so reported, by evaluate
  written.set(mod, done);
  return done;
}

async function evaluate(
  mod: ChildModule,
  moduleIndex: number,
  state: JobState,
  steps?: Record<string, number>,
) {
  const script = mod.script ? compileScript(mod) : undefined;
  let url: string;
  if (script) url = script.url;
  else {
    const path = await writeModule(mod);
    written.delete(mod);
    url = pathToFileURL(path).href;
  }
  if (steps) steps["runner: module written"] = now();
  state.thunks = undefined;
  state.muted = moduleIndex >= 0;
  try {
    if (script) await script.run();
    else await import(url);
    if (steps) steps["runner: module imported and ran"] = now();
    if (state.asyncError !== undefined) throw state.asyncError;
    return undefined;
  } catch (e) {
    return describeError(e, url, moduleIndex);
  } finally {
    state.muted = false;
  }
}

function describeError(e: unknown, url: string, moduleIndex: number): ChildError {
  const message = errorMessage(e);
  const stack = e instanceof Error ? e.stack : undefined;
  const name = e instanceof Error ? e.name : "";
  let kind: ChildError["kind"] = "exception";
  if (
    e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied ||
    name === "NotCapable" || name === "PermissionDenied"
  ) kind = "permission";
  else if (e instanceof SyntaxError || /could not be parsed/.test(message)) kind = "syntax";
  const re = new RegExp(`${url.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:(\\d+):(\\d+)`);
  const at = re.exec(`${stack ?? ""}\n${message}`);
  return {
    kind,
    message,
    stack,
    moduleIndex,
    moduleUrl: url,
    line: at ? Number(at[1]) : undefined,
    column: at ? Number(at[2]) : undefined,
  };
}

function installGlobals(): void {
  const rt = {
    input: (name: string) => current?.scope[name],
    last: (value: unknown) => show(value),
    done: (thunks: Thunks, peek?: Thunks) => {
      if (current) current.thunks = thunks, current.peek = peek; // issue 16: peek
    },
  };
  Object.defineProperty(globalThis, Symbol.for(RUNTIME_KEY), { value: rt });
  const g = globalThis as Record<string, unknown>;
  g.display = (value: unknown, options?: DisplayOptions) => show(value, options);
  g.md = md;
  g.html = html;
  g.svg = svg;
  g.ui = createUi(() => current?.scope); // widgets (issue 16): values stored by the server
  const out = (...a: unknown[]) => capture("stdout", a);
  const err = (...a: unknown[]) => capture("stderr", a);
  Object.assign(console, {
    log: out,
    info: out,
    debug: out,
    dir: out,
    table: out,
    warn: err,
    error: err,
    trace: err,
  });
  limitWorkers();
  const exit = Deno.exit;
  // Deno.exit in a Worker would end only the Worker; the cell means the whole child.
  (Deno as { exit: (code?: number) => never }).exit = (code?: number): never => {
    send({ t: "exit", code: typeof code === "number" ? code : 0 });
    return exit(code);
  };
  globalThis.addEventListener("unhandledrejection", (e) => {
    e.preventDefault();
    if (current) current.asyncError ??= e.reason;
  });
  globalThis.addEventListener("error", (e) => {
    e.preventDefault();
    if (current) current.asyncError ??= e.error;
  });
}

/** Replaces `Worker` with a counting constructor; the original is not reachable from it. */
function limitWorkers(): void {
  const Original = globalThis.Worker;
  const construct = Reflect.construct;
  function Worker(this: unknown, url: string | URL, options?: WorkerOptions): Worker {
    if (!new.target) throw new TypeError("Worker must be called with 'new'");
    if (workersStarted >= maxWorkers) {
      throw new Error(
        `A cell may start at most ${maxWorkers} Workers (this would be number ${
          workersStarted + 1
        })`,
      );
    }
    workersStarted++;
    return construct(Original, [url, options], new.target);
  }
  Worker.prototype = Original.prototype;
  Object.defineProperty(Original.prototype, "constructor", { value: Worker });
  Object.defineProperty(globalThis, "Worker", {
    value: Worker,
    writable: true,
    configurable: true,
  });
}

function show(value: unknown, options?: DisplayOptions): void {
  const s = current;
  if (!s || s.muted) return;
  const d = toDisplay(value, options);
  if (!d) return;
  s.displays.push(d);
  send({ t: "display", display: d });
}

function capture(stream: ConsoleEntry["stream"], args: unknown[]): void {
  const s = current;
  if (!s || s.muted || s.truncated) return;
  const text = formatWithOptions({ colors: false }, ...args) + "\n";
  const line = (entry: ConsoleEntry) => send({ t: "console", entry });
  if (s.size + text.length <= s.limit) {
    s.size += text.length;
    line({ stream, text });
    return;
  }
  const room = s.limit - s.size;
  if (room > 0) line({ stream, text: text.slice(0, room) + "\n" });
  line({ stream: "stderr", text: `[strata: console output truncated at ${s.limit} characters]\n` });
  s.size = s.limit;
  s.truncated = true;
}

function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  try {
    return `Uncaught ${Deno.inspect(e)}`;
  } catch {
    return "Uncaught non-error value";
  }
}

/** An input's bytes: inline, or read from the file the server wrote into the scratch folder. */
async function readWire(v: WireValue): Promise<EncodedValue> {
  if (!isFileValue(v)) return v;
  if (!/^[A-Za-z0-9._-]+$/.test(v.file)) throw new Error(`Invalid input file name '${v.file}'`);
  const bytes = await Deno.readFile(`${scratchDir}/${v.file}`);
  if (bytes.length !== v.size) {
    throw new Error(`Input '${v.name}' is incomplete (${bytes.length} of ${v.size} bytes)`);
  }
  return { name: v.name, codec: v.codec, bytes };
}
