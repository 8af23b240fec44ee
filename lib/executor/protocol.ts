/**
 * The wire between the server and a child. The server writes one message to the child's stdin
 * (node:v8 serialized, then stdin is closed). The child answers on stdout with one frame per
 * job: a marker holding a random per-message nonce, an 8-hex-digit length, then the payload.
 * Cell code never sees the nonce, so whatever it prints cannot forge a result; bytes outside
 * frames are the cell's raw stdout.
 */

import type { ConsoleEntry, DisplayOutput, EncodedValue } from "./types.ts";

/** Global (`Symbol.for(RUNTIME_KEY)`) through which a cell module reaches the harness. */
export const RUNTIME_KEY = "strata.rt";

/** A module the child writes to its scratch folder and imports. */
export interface ChildModule {
  cellId: string;
  code: string;
  /** Names the module hands back through `done(...)`. */
  names: string[];
}

/** One job as the child sees it: modules already built by the server. */
export interface ChildJob {
  cellId: string;
  module: ChildModule;
  codeModules: ChildModule[];
  inputs: EncodedValue[];
  carry: string[];
  outputs: string[];
  env: Record<string, string>;
  consoleLimit: number;
}

/** What the server sends a child. */
export interface ChildMessage {
  nonce: string;
  jobs: ChildJob[];
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
  outputs: EncodedValue[];
  displays: DisplayOutput[];
  consoleTruncated: boolean;
  error?: ChildError;
  durationMs: number;
}

/** A console line, sent as it is printed so it survives a timeout and can be streamed. */
export interface ChildConsole {
  t: "console";
  index: number;
  entry: ConsoleEntry;
}

/** Any frame payload a child sends. */
export type ChildFrame = ChildResult | ChildConsole;

const encoder = new TextEncoder();

/** A fresh random nonce (32 hex digits). */
export function newNonce(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function marker(nonce: string): Uint8Array {
  return encoder.encode(`\x1eSTRATA-${nonce}\x1f`);
}

/** Frames a payload for stdout. */
export function encodeFrame(nonce: string, payload: Uint8Array): Uint8Array {
  const head = marker(nonce);
  const len = encoder.encode(payload.length.toString(16).padStart(8, "0"));
  const out = new Uint8Array(head.length + 8 + payload.length);
  out.set(head, 0);
  out.set(len, head.length);
  out.set(payload, head.length + 8);
  return out;
}

/** Splits a child's stdout into raw output and frames; feed it chunks as they arrive. */
export class FrameReader {
  #marker: Uint8Array | undefined;
  #buf = new Uint8Array(0);

  /** Starts recognising frames for this nonce (before that, everything is raw). */
  expect(nonce: string): void {
    this.#marker = marker(nonce);
  }

  /** Consumes a chunk; returns raw bytes to pass through and complete frame payloads. */
  push(chunk: Uint8Array): { raw: Uint8Array; frames: Uint8Array[] } {
    const buf = concat(this.#buf, chunk);
    const m = this.#marker;
    if (!m) {
      this.#buf = new Uint8Array(0);
      return { raw: buf, frames: [] };
    }
    const raw: Uint8Array[] = [];
    const frames: Uint8Array[] = [];
    let pos = 0;
    while (true) {
      const at = indexOf(buf, m, pos);
      if (at < 0) {
        // Hold back only a tail that could be the start of a marker split across chunks.
        const keep = Math.max(pos, buf.length - partialMarker(buf, m));
        raw.push(buf.subarray(pos, keep));
        pos = keep;
        break;
      }
      raw.push(buf.subarray(pos, at));
      const lenStart = at + m.length;
      if (buf.length < lenStart + 8) {
        pos = at;
        break;
      }
      const len = parseInt(new TextDecoder().decode(buf.subarray(lenStart, lenStart + 8)), 16);
      if (buf.length < lenStart + 8 + len) {
        pos = at;
        break;
      }
      frames.push(buf.slice(lenStart + 8, lenStart + 8 + len));
      pos = lenStart + 8 + len;
    }
    this.#buf = buf.slice(pos);
    return { raw: concat(...raw), frames };
  }
}

/** Length of the longest suffix of buf that is a proper prefix of marker. */
function partialMarker(buf: Uint8Array, marker: Uint8Array): number {
  for (let n = Math.min(marker.length - 1, buf.length); n > 0; n--) {
    let match = true;
    for (let j = 0; j < n && match; j++) match = buf[buf.length - n + j] === marker[j];
    if (match) return n;
  }
  return 0;
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0];
  outer: for (let i = hay.indexOf(first, from); i >= 0; i = hay.indexOf(first, i + 1)) {
    if (i + needle.length > hay.length) return -1;
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, o), o += p.length;
  return out;
}
