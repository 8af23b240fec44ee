/**
 * The trusted half of a cell child: its main thread, where no cell code ever runs. It starts the
 * cell runner (a Worker, its own JavaScript realm), reads the server's message from stdin, hands
 * the runner its jobs, and frames each report it gets back with the message's nonce, counting
 * results to know which job a report belongs to.
 * Patching intrinsics in the runner's realm cannot reach this realm, so a cell can neither learn
 * the nonce nor write a frame, and a report always belongs to the job the supervisor is running.
 *
 * It also ends the child by itself: when its stdin closes or its parent changes (the server is
 * gone, even after `kill -9`), and when a job outlives its timeout plus a grace period. Its
 * timers fire even while the cell spins in `while (true) {}`, since the cell runs in the Worker.
 */

import { deserialize, serialize } from "node:v8";
import {
  CHILD_EXIT,
  type ChildFrame,
  type ChildMessage,
  encodeFrameWith,
  frameMarker,
  LARGE_VALUE_BYTES,
  MESSAGE_HEADER,
  type WireValue,
} from "./protocol.ts";
import type { RunnerReport, RunnerRequest } from "./_realm.ts";
import type { ConsoleEntry, DisplayOutput, EncodedValue } from "./types.ts";

/** How long past its timeout a job may run before the child ends itself. */
const GRACE_MS = 2_000;
const PARENT_POLL_MS = 200;
/** How often the process's resident memory is checked against the cap. */
const MEMORY_POLL_MS = 50;
const CODECS = new Set(["v8", "json", "bytes", "code"]);

/**
 * Runs the child: `scratchDir` is its folder, `worker` the runner (started by harness.ts before
 * this module loaded) and `early` the events it sent before this function took it over.
 */
export async function supervise(scratchDir: string, worker: Worker, early: Event[]): Promise<void> {
  const write = Deno.stdout.writeSync.bind(Deno.stdout);
  const parent = Deno.ppid;
  setInterval(() => {
    if (Deno.ppid !== parent) Deno.exit(CHILD_EXIT.serverGone);
  }, PARENT_POLL_MS);
  const inbox = new Inbox();
  worker.onerror = (e) => {
    e.preventDefault();
    fail(`the cell runner failed: ${e.message}`);
  };
  const channel = new MessageChannel();
  channel.port1.onmessage = (e: MessageEvent<RunnerReport>) => inbox.push(e.data);
  // `init` goes once, on the Worker's own channel: when the server's message has been read (a
  // cold run: the runner takes the job without warming up; harness.ts keeps what arrives while
  // the runner loads), or when the runner says it listens without one (a child that waits in the
  // pool, which warms up meanwhile). Only the first "listening" counts: cell code may post there
  // later, and by then `init` has been sent.
  let initSent = false;
  const sendInit = (warm: boolean) => {
    if (initSent) return;
    initSent = true;
    const init: RunnerRequest = { t: "init", scratchDir, port: channel.port2, warm };
    worker.postMessage(init, [channel.port2]);
  };
  worker.onmessage = (e: MessageEvent<{ t?: string }>) => {
    if (e.data?.t === "listening") sendInit(true);
  };
  for (const e of early.splice(0)) {
    if (e instanceof ErrorEvent) worker.onerror(e);
    else worker.onmessage(e as MessageEvent<{ t?: string }>);
  }

  const stdin = Deno.stdin;
  const reading = readMessage(stdin);
  prime(channel.port1);
  const msg = await reading;
  const read = now();
  if (!msg) Deno.exit(0);
  sendInit(false);
  const ready = await inbox.next();
  if (ready.t !== "ready" || ready.error) {
    fail(`the cell runner did not start: ${ready.t === "ready" ? ready.error : ready.t}`);
  }

  // Every job at once: the runner starts the next as soon as it reports a result, while this
  // thread frames that result (issue 20). Reports still belong to the job whose result is next.
  let started = now();
  channel.port1.postMessage({ t: "jobs", jobs: msg.jobs } satisfies RunnerRequest);
  // The watches start while the runner takes its first job (no cell code ran before the post).
  watchMemory(msg.memoryCapMb);
  // The server keeps stdin open while it waits for us: its end means the server is gone.
  void drain(stdin).then(() => Deno.exit(CHILD_EXIT.serverGone));
  const marker = frameMarker(msg.nonce);
  const send = (frame: ChildFrame) => {
    const bytes = encodeFrameWith(marker, new Uint8Array(serialize(frame)));
    for (let off = 0; off < bytes.length;) off += write(bytes.subarray(off));
  };
  for (let index = 0; index < msg.jobs.length; index++) {
    const job = msg.jobs[index];
    const backstop = setTimeout(() => Deno.exit(CHILD_EXIT.timeout), job.timeoutMs + GRACE_MS);
    const posted = started;
    while (true) {
      const r = await inbox.next();
      if (r.t === "console") send({ t: "console", index, entry: cleanEntry(r.entry) });
      else if (r.t === "display") {
        const display = cleanDisplay(r.display);
        if (display) send({ t: "display", index, display });
      } else if (r.t === "exit") Deno.exit(Number.isInteger(r.code) ? r.code : 1);
      else if (r.t === "result") {
        const received = started = now();
        send({
          t: "result",
          index,
          outputs: await spill(scratchDir, checkOutputs(r.outputs)),
          displays: Array.isArray(r.displays) ? r.displays : [],
          consoleTruncated: r.consoleTruncated === true,
          error: r.error,
          durationMs: Number(r.durationMs) || 0,
          steps: {
            ...(index === 0 ? { "child: message read": read } : {}),
            [index === 0 ? "child: jobs posted to runner" : "child: previous result received"]:
              posted,
            ...cleanSteps(r.steps),
            "child: result received": received,
            "child: frame being written": now(),
          },
        });
        break;
      }
    }
    clearTimeout(backstop);
  }
  Deno.exit(0);
}

/**
 * Runs once, while the child waits in the pool, the code a run takes here: decoding a message,
 * posting to the runner (which ignores anything but `jobs`), building and framing a result. A
 * fresh process compiles each function on its first call, and the first run paid that (issue 20).
 * Nothing is written: the frame is built with a marker that is not the message's.
 */
function prime(port: MessagePort): void {
  const bytes = new Uint8Array([1, 2, 3]);
  const mod = { cellId: "prime", code: "export {};", names: [] };
  const job = {
    cellId: "prime",
    module: mod,
    codeModules: [],
    inputs: [{ name: "x", codec: "v8", bytes }],
    carry: [],
    outputs: ["x"],
    env: {},
    consoleLimit: 1,
    timeoutMs: 1,
    maxWorkers: 0,
  };
  const msg = deserialize(serialize({ nonce: "0", jobs: [job], memoryCapMb: 1 })) as ChildMessage;
  port.postMessage({ t: "prime", jobs: msg.jobs } satisfies RunnerRequest);
  const outputs = checkOutputs([{ name: "x", codec: "v8", bytes }]);
  const frame: ChildFrame = {
    t: "result",
    index: 0,
    outputs,
    displays: [],
    consoleTruncated: false,
    durationMs: 0,
    steps: { ...cleanSteps({ "runner: x": 1 }), "child: x": now() },
  };
  encodeFrameWith(frameMarker("0"), new Uint8Array(serialize(frame)));
  cleanEntry({ stream: "stdout", text: "" });
  cleanDisplay({ type: "text", data: "" });
}

/**
 * Ends the child when its resident set (typed arrays, ArrayBuffers and Workers included, which
 * V8's heap cap does not see) exceeds the cap. Runs here, where cell code cannot stop it.
 */
function watchMemory(capMb: number): void {
  if (!(capMb > 0)) return;
  setInterval(() => {
    const rss = Deno.memoryUsage().rss;
    if (rss <= capMb * 1024 * 1024) return;
    console.error(`strata: memory limit: the cell process reached ${Math.round(rss / 1048576)} MB`);
    Deno.exit(CHILD_EXIT.memory);
  }, MEMORY_POLL_MS);
}

/** Writes large outputs to fresh files in the scratch folder; the frame names the file. */
async function spill(scratchDir: string, outputs: EncodedValue[]): Promise<WireValue[]> {
  const wire: WireValue[] = [];
  for (const o of outputs) {
    if (o.bytes.length <= LARGE_VALUE_BYTES) {
      wire.push(o);
      continue;
    }
    const file = `value-${crypto.randomUUID()}.bin`;
    await Deno.writeFile(`${scratchDir}/${file}`, o.bytes, { createNew: true });
    wire.push({ name: o.name, codec: o.codec, file, size: o.bytes.length });
  }
  return wire;
}

/** Epoch milliseconds, comparable across the server, the supervisor and the runner. */
function now(): number {
  return performance.timeOrigin + performance.now();
}

/** The runner's step times: finite numbers under known names only. */
function cleanSteps(steps: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (!steps || typeof steps !== "object") return out;
  for (const [k, v] of Object.entries(steps)) {
    if (k.startsWith("runner: ") && k.length < 64 && Number.isFinite(v)) out[k] = v as number;
  }
  return out;
}

function checkOutputs(outputs: unknown): EncodedValue[] {
  if (!Array.isArray(outputs)) fail("the cell runner sent a malformed result");
  for (const o of outputs as EncodedValue[]) {
    if (
      typeof o?.name !== "string" || !CODECS.has(o.codec) || !(o.bytes instanceof Uint8Array)
    ) fail("the cell runner sent a malformed output");
  }
  return outputs as EncodedValue[];
}

function cleanEntry(entry: ConsoleEntry): ConsoleEntry {
  return { stream: entry?.stream === "stderr" ? "stderr" : "stdout", text: String(entry?.text) };
}

const DISPLAY_TYPES = new Set(["text", "markdown", "html", "svg", "png", "table", "json"]);

/**
 * A display as the runner reported it, rebuilt from known fields only (the frame's index is the
 * supervisor's own); a malformed one is dropped, since the result carries every display anyway.
 */
function cleanDisplay(d: DisplayOutput): DisplayOutput | undefined {
  if (!d || typeof d !== "object" || !DISPLAY_TYPES.has(d.type)) return undefined;
  if (d.type === "json") return { type: "json", data: d.data };
  if (d.type === "table") {
    const t = d.data;
    if (!t || !Array.isArray(t.columns) || !Array.isArray(t.rows)) return undefined;
    return {
      type: "table",
      data: { columns: t.columns, rows: t.rows, totalRows: Number(t.totalRows) || 0 },
    };
  }
  // A widget (issue 16) gets the session's stored value applied when the result is shown: it is
  // not streamed, it arrives with the result.
  if (d.type === "widget") return undefined;
  return typeof d.data === "string" ? { type: d.type, data: d.data } : undefined;
}

function fail(message: string): never {
  console.error(`strata: ${message}`);
  Deno.exit(CHILD_EXIT.runnerFailed);
}

/**
 * Reads the length-prefixed message; undefined when stdin ends first. It reads with `read()` into
 * buffers of its own, not through `Deno.stdin.readable`: the web-streams layer, compiled on its
 * first use in each child, cost ≈0.4 ms of every run (issue 20).
 */
async function readMessage(stdin: typeof Deno.stdin): Promise<ChildMessage | undefined> {
  const head = new Uint8Array(65_536);
  let have = 0;
  while (have < MESSAGE_HEADER) {
    const n = await stdin.read(head.subarray(have));
    if (n === null) return undefined;
    have += n;
  }
  let need = 0;
  for (let i = 0; i < MESSAGE_HEADER; i++) {
    const digit = parseInt(String.fromCharCode(head[i]), 16);
    if (Number.isNaN(digit)) fail("malformed message header");
    need = need * 16 + digit;
  }
  if (!Number.isSafeInteger(need)) fail("malformed message header");
  const total = MESSAGE_HEADER + need;
  let all = head;
  if (total > head.length) {
    all = new Uint8Array(total);
    all.set(head.subarray(0, have));
  }
  while (have < total) {
    const n = await stdin.read(all.subarray(have, total));
    if (n === null) return undefined;
    have += n;
  }
  return deserialize(all.subarray(MESSAGE_HEADER, total)) as ChildMessage;
}

async function drain(stdin: typeof Deno.stdin): Promise<void> {
  const buf = new Uint8Array(1024);
  try {
    while ((await stdin.read(buf)) !== null) { /* the server sends nothing more */ }
  } catch { /* closed */ }
}

/** Reports in arrival order, awaited one at a time. */
class Inbox {
  #items: RunnerReport[] = [];
  #waiter: ((r: RunnerReport) => void) | undefined;

  push(r: RunnerReport): void {
    const w = this.#waiter;
    this.#waiter = undefined;
    if (w) w(r);
    else this.#items.push(r);
  }

  next(): Promise<RunnerReport> {
    const r = this.#items.shift();
    if (r) return Promise.resolve(r);
    return new Promise((resolve) => this.#waiter = resolve);
  }
}
