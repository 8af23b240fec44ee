/**
 * The wire between the server and a child. The server writes one length-prefixed message to the
 * child's stdin (12 hex digits, then the node:v8 serialized message) and keeps stdin open: its
 * end tells the child that the server went away. The child answers on stdout with frames: a
 * marker holding a random per-message nonce, an 8-hex-digit length, then the payload. The nonce
 * lives only in the child's main thread, where no cell code runs (cells run in a Worker), so
 * whatever a cell prints cannot forge a result; bytes outside frames are the cell's raw stdout.
 * Values larger than LARGE_VALUE_BYTES travel as files in the child's scratch folder.
 */

import type { ConsoleEntry, DisplayOutput, EncodedValue } from "./types.ts";

/** Global (`Symbol.for(RUNTIME_KEY)`) through which a cell module reaches the harness. */
export const RUNTIME_KEY = "strata.rt";

/** Encoded values above this size travel through a file instead of the pipe. */
export const LARGE_VALUE_BYTES = 4 * 1024 * 1024;

/** A value written to a file in the child's scratch folder (a bare file name, no path). */
export interface FileValue {
  name: string;
  codec: EncodedValue["codec"];
  file: string;
  size: number;
}

/** A value on the wire: inline bytes, or a file for large ones. */
export type WireValue = EncodedValue | FileValue;

/** Whether a wire value is a file reference. */
export function isFileValue(v: WireValue): v is FileValue {
  return typeof (v as FileValue).file === "string";
}

/** A module the child writes to its scratch folder and imports. */
export interface ChildModule {
  cellId: string;
  code: string;
  /** Plain JavaScript: written as `.js` (no TypeScript transpile on import). */
  js?: boolean;
  /**
   * The runner may compile the cell as a function body instead (see scriptSafe): `true` with
   * `code`, or this JavaScript (the TypeScript cell with its types erased, same positions).
   */
  script?: boolean | string;
  /** Names the module hands back through `done(...)`. */
  names: string[];
}

/** One job as the child sees it: modules already built by the server. */
export interface ChildJob {
  cellId: string;
  module: ChildModule;
  codeModules: ChildModule[];
  inputs: WireValue[];
  carry: string[];
  outputs: string[];
  env: Record<string, string>;
  consoleLimit: number;
  /** The child ends itself this long after the job started (a backstop to the server's kill). */
  timeoutMs: number;
  /** Workers the cell may start. */
  maxWorkers: number;
}

/** What the server sends a child. */
export interface ChildMessage {
  nonce: string;
  jobs: ChildJob[];
  /** The child ends itself when its resident memory (the whole process) exceeds this. */
  memoryCapMb: number;
}

/** Where a failure happened, in the positions of the module file the child imported. */
export interface ChildError {
  kind: "exception" | "syntax" | "permission" | "encode";
  message: string;
  stack?: string;
  /** Index into codeModules, or -1 for the cell's own module. */
  moduleIndex: number;
  moduleUrl?: string;
  line?: number;
  column?: number;
}

/** What a child reports when a job ends. */
export interface ChildResult {
  t: "result";
  index: number;
  outputs: WireValue[];
  displays: DisplayOutput[];
  consoleTruncated: boolean;
  error?: ChildError;
  durationMs: number;
  /**
   * When each step happened inside the child (epoch ms, `performance.timeOrigin + now()`), for
   * profiling (`ExecutorOptions.onSteps`). Informational only: the runner's part is unchecked.
   */
  steps?: Record<string, number>;
}

/** A console line, sent as it is printed so it survives a timeout and can be streamed. */
export interface ChildConsole {
  t: "console";
  index: number;
  entry: ConsoleEntry;
}

/**
 * A display output, sent as the cell shows it so it can be streamed; the job's result repeats
 * every display. The supervisor sets `index` (the job it is running), never the cell.
 */
export interface ChildDisplay {
  t: "display";
  index: number;
  display: DisplayOutput;
}

/** Any frame payload a child sends. */
export type ChildFrame = ChildResult | ChildConsole | ChildDisplay;

/** Exit codes a child uses when it ends itself. */
export const CHILD_EXIT = {
  /** Its stdin closed or its parent changed: the server is gone. */
  serverGone: 75,
  /** A job outlived its timeout (the server would have killed it). */
  timeout: 124,
  /** The cell runner (Worker) failed outside any cell. */
  runnerFailed: 70,
  /** The process's resident memory went over the message's cap. */
  memory: 76,
} as const;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Hex digits of a stdin message's length prefix. */
export const MESSAGE_HEADER = 12;

/** A fresh random nonce (32 hex digits). */
export function newNonce(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** The bytes that open every frame of a message. */
export function frameMarker(nonce: string): Uint8Array {
  return encoder.encode(`\x1eSTRATA-${nonce}\x1f`);
}

/** Frames a payload for stdout. */
export function encodeFrame(nonce: string, payload: Uint8Array): Uint8Array {
  return encodeFrameWith(frameMarker(nonce), payload);
}

/** Frames a payload behind an already built marker. */
export function encodeFrameWith(head: Uint8Array, payload: Uint8Array): Uint8Array {
  const len = encoder.encode(payload.length.toString(16).padStart(8, "0"));
  const out = new Uint8Array(head.length + 8 + payload.length);
  out.set(head, 0);
  out.set(len, head.length);
  out.set(payload, head.length + 8);
  return out;
}

/** Prefixes a serialized stdin message with its length. */
export function encodeMessage(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(MESSAGE_HEADER + payload.length);
  out.set(encoder.encode(payload.length.toString(16).padStart(MESSAGE_HEADER, "0")), 0);
  out.set(payload, MESSAGE_HEADER);
  return out;
}

/**
 * Splits a child's stdout into raw output and frames; feed it chunks as they arrive. Linear in
 * the bytes pushed: unread bytes live in one growing buffer, a frame's payload is not searched,
 * and the marker search resumes where it stopped.
 */
export class FrameReader {
  #marker: Uint8Array | undefined;
  #buf = new Uint8Array(0);
  #start = 0;
  #end = 0;
  /** Where the marker search resumes. */
  #scan = 0;
  /** Payload length of the frame whose marker is at #start, once its header is read. */
  #need = -1;

  /** Starts recognising frames for this nonce (before that, everything is raw). */
  expect(nonce: string): void {
    this.#marker = frameMarker(nonce);
  }

  /** Bytes held while a frame (or a possible marker) is incomplete. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /** Consumes a chunk; returns raw bytes to pass through and complete frame payloads. */
  push(chunk: Uint8Array): { raw: Uint8Array; frames: Uint8Array[] } {
    const m = this.#marker;
    if (!m) return { raw: chunk.slice(), frames: [] };
    this.#append(chunk);
    const buf = this.#buf;
    const raw: Uint8Array[] = [];
    const frames: Uint8Array[] = [];
    const header = m.length + 8;
    while (true) {
      if (this.#need >= 0) {
        const from = this.#start + header;
        if (this.#end - from < this.#need) break;
        frames.push(buf.slice(from, from + this.#need));
        this.#start = this.#scan = from + this.#need;
        this.#need = -1;
        continue;
      }
      const at = indexOf(buf, m, Math.max(this.#scan, this.#start), this.#end);
      if (at < 0) {
        // Hold back only a tail that could be the start of a marker split across chunks.
        const keep = Math.max(this.#start, this.#end - partialMarker(buf, this.#end, m));
        if (keep > this.#start) raw.push(buf.slice(this.#start, keep));
        this.#start = this.#scan = keep;
        break;
      }
      if (at > this.#start) raw.push(buf.slice(this.#start, at));
      this.#start = this.#scan = at;
      if (this.#end - at < header) break;
      const digits = decoder.decode(buf.subarray(at + m.length, at + header));
      const len = /^[0-9a-f]{8}$/.test(digits) ? parseInt(digits, 16) : -1;
      if (len < 0) {
        // Not a frame after all (cannot happen without the nonce): pass the marker through.
        raw.push(buf.slice(at, at + m.length));
        this.#start = this.#scan = at + m.length;
        continue;
      }
      this.#need = len;
    }
    if (this.#start === this.#end) this.#start = this.#end = this.#scan = 0;
    return { raw: join(raw), frames };
  }

  #append(chunk: Uint8Array): void {
    if (this.#end + chunk.length > this.#buf.length) {
      const live = this.#end - this.#start;
      // Grow by doubling (amortised linear); compact unread bytes to the front either way.
      const size = Math.max(live + chunk.length, live * 2, 65_536);
      const next = size > this.#buf.length ? new Uint8Array(size) : this.#buf;
      if (next === this.#buf) next.copyWithin(0, this.#start, this.#end);
      else next.set(this.#buf.subarray(this.#start, this.#end), 0);
      this.#scan -= this.#start;
      this.#end = live;
      this.#start = 0;
      this.#buf = next;
    }
    this.#buf.set(chunk, this.#end);
    this.#end += chunk.length;
  }
}

/** Length of the longest suffix of buf[..end] that is a proper prefix of marker. */
function partialMarker(buf: Uint8Array, end: number, marker: Uint8Array): number {
  for (let n = Math.min(marker.length - 1, end); n > 0; n--) {
    let match = true;
    for (let j = 0; j < n && match; j++) match = buf[end - n + j] === marker[j];
    if (match) return n;
  }
  return 0;
}

function indexOf(buf: Uint8Array, needle: Uint8Array, from: number, end: number): number {
  const first = needle[0];
  const hay = buf.subarray(0, end);
  outer: for (let i = hay.indexOf(first, from); i >= 0; i = hay.indexOf(first, i + 1)) {
    if (i + needle.length > end) return -1;
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function join(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, o), o += p.length;
  return out;
}
