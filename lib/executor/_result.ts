/** Turns what a child reported (or how it died) into a CellResult with cell-relative positions. */

import { mapPosition } from "./cell_module.ts";
import { CHILD_EXIT, type ChildError, type ChildResult } from "./protocol.ts";
import { cleanStack, cleanText, type PathContext, permissionHint, plainText } from "./_messages.ts";
import type { Prepared } from "./_prepare.ts";
import type { CellError, CellResult, ConsoleEntry, EncodedValue } from "./types.ts";

/**
 * One job's console in arrival order: lines the harness captured (already capped there) and
 * raw output the child wrote outside frames (capped here).
 */
export class JobConsole {
  entries: ConsoleEntry[] = [];
  truncated = false;
  #rawSize = 0;
  #rawTruncated = false;
  constructor(readonly limit: number) {}

  /** Appends a line the harness captured. */
  captured(entry: ConsoleEntry): void {
    this.entries.push(entry);
  }

  /** Appends text from the child's stdout or stderr. */
  raw(stream: ConsoleEntry["stream"], text: string): void {
    if (this.#rawTruncated || text === "") return;
    if (this.#rawSize + text.length <= this.limit) {
      this.#rawSize += text.length;
      this.entries.push({ stream, text });
      return;
    }
    const room = this.limit - this.#rawSize;
    if (room > 0) this.entries.push({ stream, text: text.slice(0, room) + "\n" });
    this.entries.push({
      stream: "stderr",
      text: `[strata: raw process output truncated at ${this.limit} characters]\n`,
    });
    this.#rawTruncated = this.truncated = true;
  }
}

/** A result for a job that never produced one of its own. */
export function failedResult(
  cellId: string,
  error: CellError,
  durationMs = 0,
  out?: JobConsole,
): CellResult {
  return {
    cellId,
    status: "error",
    outputs: [],
    displays: [],
    console: out?.entries ?? [],
    consoleTruncated: out?.truncated ?? false,
    error,
    durationMs,
  };
}

/** Error for a child that ended without a result. */
export function deathError(
  reason: "timeout" | "cancelled" | undefined,
  context: { timeoutMs: number; memoryMb: number; stderrTail: string; code: number | null },
): CellError {
  if (reason === "timeout") {
    return { kind: "timeout", message: `Cell timed out after ${context.timeoutMs / 1000} s` };
  }
  if (reason === "cancelled") return { kind: "cancelled", message: "Cell run cancelled" };
  if (context.code === CHILD_EXIT.memory) {
    const reached = /reached (\d+) MB/.exec(context.stderrTail)?.[1];
    return {
      kind: "memory",
      message: `Cell exceeded its memory limit (${context.memoryMb} MB)` +
        (reached ? `: its process reached ${reached} MB` : "") +
        " (typed arrays, buffers and Workers count too)",
    };
  }
  if (/out of memory|heap limit|allocation failed/i.test(context.stderrTail)) {
    return { kind: "memory", message: `Cell exceeded its memory limit (${context.memoryMb} MB)` };
  }
  if (context.code === CHILD_EXIT.timeout) {
    return { kind: "timeout", message: `Cell timed out after ${context.timeoutMs / 1000} s` };
  }
  const tail = plainText(context.stderrTail).trim().split("\n").slice(-3).join(" | ");
  return {
    kind: "crash",
    message: `Cell process ended without a result (exit code ${context.code})${
      tail ? `: ${tail}` : ""
    }`,
  };
}

/** Merges a child's report with server-side raw output and maps positions to the cell. */
export function mapResult(
  cellId: string,
  prepared: Extract<Prepared, { ok: true }>,
  child: Omit<ChildResult, "outputs"> & { outputs: EncodedValue[] },
  out: JobConsole,
  durationMs: number,
  paths: { scratchDir: string; notebookDir: string },
): CellResult {
  const error = child.error ? mapError(prepared, child.error, paths) : undefined;
  return {
    cellId,
    status: error ? "error" : "ok",
    outputs: error ? [] : child.outputs,
    displays: child.displays,
    console: out.entries,
    consoleTruncated: child.consoleTruncated || out.truncated,
    error,
    durationMs,
  };
}

function mapError(
  prepared: Extract<Prepared, { ok: true }>,
  e: ChildError,
  paths: { scratchDir: string; notebookDir: string },
): CellError {
  const inCode = e.moduleIndex >= 0 ? prepared.code[e.moduleIndex] : undefined;
  const module = inCode ? inCode.module : prepared.main;
  const cellId = inCode ? inCode.input.cellId : prepared.child.cellId;
  const pos = e.line !== undefined && e.column !== undefined
    ? mapPosition(module, e.line, e.column)
    : undefined;
  const ctx: PathContext = {
    ...paths,
    position: (url, line, column) => {
      if (url !== e.moduleUrl) return undefined;
      const p = mapPosition(module, line, column);
      return `cell ${cellId}:${p.line}:${p.column}`;
    },
  };
  const stack = e.stack ? permissionHint(cleanStack(e.stack, ctx), paths.notebookDir) : undefined;
  const text = permissionHint(cleanText(String(e.message), ctx), paths.notebookDir);
  if (inCode) {
    const at = pos ? ` (its line ${pos.line}, column ${pos.column})` : "";
    const names = inCode.input.names.join(", ");
    const message = `In cell '${cellId}', re-evaluated for ${names}${at}: ${text}`;
    return { kind: e.kind, message, stack };
  }
  return { kind: e.kind, message: text, line: pos?.line, column: pos?.column, stack };
}
