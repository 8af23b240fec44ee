/** Shapes shared by the executor's server side and the harness that runs in each child. */

import type { PermissionSpec } from "./permissions.ts";
import type { WidgetSpec } from "../protocol/widget.ts"; // widgets (issue 16)

/** How an encoded value's bytes are to be read back. */
export type Codec = "v8" | "json" | "bytes" | "code";

/** One variable's value as it travels between cells (and is stored as an artifact). */
export interface EncodedValue {
  name: string;
  codec: Codec;
  bytes: Uint8Array;
}

/** A cell whose source is re-evaluated in the child to recreate functions/classes it defines. */
export interface CodeInput {
  /** The defining cell. */
  cellId: string;
  /** Its TypeScript source, unchanged. */
  source: string;
  /** The names it defines that the job needs (functions, classes, or anything else). */
  names: string[];
}

/** One cell to execute. */
export interface CellJob {
  cellId: string;
  /** The cell's TypeScript source. */
  source: string;
  /** Upstream values, decoded in the child and bound as `let` variables. */
  inputs: EncodedValue[];
  /** Upstream cells re-evaluated first; their `names` are bound like inputs. */
  codeInputs?: CodeInput[];
  /**
   * Names produced by earlier cells of the same `runBatch` call. Inside one child they flow in
   * memory; when the batch spans several children they travel encoded.
   */
  carry?: string[];
  /** Top-level names to hand back encoded (the variables read downstream). */
  outputs: string[];
  /** Permissions of the child that runs this cell. */
  permissions: PermissionSpec;
  /** Environment values; set in the child only for keys the permissions grant. */
  env?: Record<string, string>;
  /** @default 300_000 */
  timeoutMs?: number;
  /** V8 old-space cap of the child. @default 1024 */
  memoryMb?: number;
  /** Workers the cell may start (each is a thread and a heap in its process). @default 4 */
  maxWorkers?: number;
  /** Console capture cap in UTF-16 code units. @default 1_048_576 */
  consoleLimit?: number;
}

/** A display output of a cell: its last expression or a `display(...)` call. */
export type DisplayOutput =
  | { type: "text" | "markdown" | "html" | "svg" | "png" | "iframe"; data: string }
  | { type: "table"; data: TableData }
  | { type: "json"; data: unknown }
  | { type: "widget"; data: WidgetSpec }; // widgets (issue 16)

/** A table built from an array of records. */
export interface TableData {
  columns: string[];
  rows: unknown[][];
  /** Rows in the source array; larger than rows.length when cut. */
  totalRows: number;
  /** The cell's stored top-level name this table shows; the server pages it (issue 16). */
  source?: string;
}

/** A line of captured console output. */
export interface ConsoleEntry {
  stream: "stdout" | "stderr";
  text: string;
}

/** Why a cell failed. */
export type CellErrorKind =
  | "exception"
  | "syntax"
  | "timeout"
  | "memory"
  | "permission"
  | "encode"
  | "cancelled"
  | "crash";

/** A failed cell's error; line and column are 1-based and relative to the cell's source. */
export interface CellError {
  kind: CellErrorKind;
  message: string;
  line?: number;
  column?: number;
  stack?: string;
}

/** The outcome of one job. */
export interface CellResult {
  cellId: string;
  status: "ok" | "error";
  outputs: EncodedValue[];
  displays: DisplayOutput[];
  console: ConsoleEntry[];
  consoleTruncated: boolean;
  error?: CellError;
  durationMs: number;
}
