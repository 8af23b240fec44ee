/**
 * The program each cell child runs (`deno run harness.ts <scratchDir>`). It waits for one
 * message on stdin, runs its jobs in order (one cell, or a batch whose values flow in memory),
 * writes one nonce-framed result per job to stdout, and exits: a child never outlives its
 * message, so no state leaks between runs.
 */

import { deserialize, serialize } from "node:v8";
import { formatWithOptions } from "node:util";
import { pathToFileURL } from "node:url";
import { decodeValue, encodeValue } from "./codecs.ts";
import { type DisplayOptions, html, md, svg, toDisplay } from "./display.ts";
import {
  type ChildError,
  type ChildFrame,
  type ChildJob,
  type ChildMessage,
  type ChildModule,
  type ChildResult,
  encodeFrame,
  RUNTIME_KEY,
} from "./protocol.ts";
import type { ConsoleEntry, DisplayOutput, EncodedValue } from "./types.ts";
import { createUi } from "../widgets/ui_child.ts"; // widgets (issue 16)

type Thunks = Record<string, () => unknown>;

interface JobState {
  index: number;
  size: number;
  limit: number;
  truncated: boolean;
  displays: DisplayOutput[];
  muted: boolean;
  scope: Record<string, unknown>;
  thunks?: Thunks;
  asyncError?: unknown;
}

// Captured before any cell code runs, so a cell replacing them cannot see the nonce.
const stdoutWrite = Deno.stdout.writeSync.bind(Deno.stdout);
const scratchDir = Deno.args[0];
let current: JobState | undefined;
let nonce = "";
let moduleCounter = 0;

/** Reads the message, runs its jobs and exits. */
async function main(): Promise<void> {
  await warmUp();
  const chunks: Uint8Array[] = [];
  for await (const c of Deno.stdin.readable) chunks.push(c);
  if (chunks.length === 0) Deno.exit(0);
  const msg = deserialize(concat(chunks)) as ChildMessage;
  nonce = msg.nonce;
  installGlobals();
  const live = new Map<string, unknown>();
  for (let i = 0; i < msg.jobs.length; i++) {
    send(await runJob(i, msg.jobs[i], live));
  }
  Deno.exit(0);
}

/** First-use costs (module loader, TS emit, codecs) paid while the child waits in the pool. */
async function warmUp(): Promise<void> {
  const path = `${scratchDir}/warm.ts`;
  await Deno.writeTextFile(path, "const w: number = 1;\nexport default w;\n");
  await import(pathToFileURL(path).href);
  deserialize(serialize({ m: new Map([[1, new Uint8Array(1)]]) }));
  formatWithOptions({ colors: false }, "%s", { a: 1 });
  toDisplay([{ a: 1 }]);
  encodeValue("w", { a: [1] });
}

async function runJob(index: number, job: ChildJob, live: Map<string, unknown>) {
  const started = performance.now();
  const state: JobState = {
    index,
    size: 0,
    limit: job.consoleLimit,
    truncated: false,
    displays: [],
    muted: false,
    scope: {},
  };
  current = state;
  const finish = (outputs: EncodedValue[], error?: ChildError): ChildResult => {
    current = undefined;
    return {
      t: "result",
      index,
      outputs,
      displays: state.displays,
      consoleTruncated: state.truncated,
      error,
      durationMs: performance.now() - started,
    };
  };
  for (const [k, v] of Object.entries(job.env)) {
    if (Deno.permissions.querySync({ name: "env", variable: k }).state === "granted") {
      Deno.env.set(k, v);
    }
  }
  try {
    for (const input of job.inputs) state.scope[input.name] = decodeValue(input);
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
  const error = await evaluate(job.module, -1, state);
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
  return finish(outputs);
}

async function evaluate(mod: ChildModule, moduleIndex: number, state: JobState) {
  const path = `${scratchDir}/cell_${++moduleCounter}.ts`;
  await Deno.writeTextFile(path, mod.code);
  const url = pathToFileURL(path).href;
  state.thunks = undefined;
  state.muted = moduleIndex >= 0;
  try {
    await import(url);
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
    done: (thunks: Thunks) => {
      if (current) current.thunks = thunks;
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
  globalThis.addEventListener("unhandledrejection", (e) => {
    e.preventDefault();
    if (current) current.asyncError ??= e.reason;
  });
  globalThis.addEventListener("error", (e) => {
    e.preventDefault();
    if (current) current.asyncError ??= e.error;
  });
}

function show(value: unknown, options?: DisplayOptions): void {
  const s = current;
  if (!s || s.muted) return;
  const d = toDisplay(value, options);
  if (d) s.displays.push(d);
}

function capture(stream: ConsoleEntry["stream"], args: unknown[]): void {
  const s = current;
  if (!s || s.muted || s.truncated) return;
  const text = formatWithOptions({ colors: false }, ...args) + "\n";
  const line = (entry: ConsoleEntry) => send({ t: "console", index: s.index, entry });
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

function send(frame: ChildFrame): void {
  const bytes = encodeFrame(nonce, new Uint8Array(serialize(frame)));
  let off = 0;
  while (off < bytes.length) off += stdoutWrite(bytes.subarray(off));
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) out.set(c, o), o += c.length;
  return out;
}

if (import.meta.main) await main();
