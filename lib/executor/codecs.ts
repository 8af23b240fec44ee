/**
 * Codecs for values passed between cells. Order of preference: raw bytes for a Uint8Array,
 * JSON for plain JSON data (portable and readable), V8 structured clone (node:v8) for the rest,
 * and "code" for functions and classes, which travel as a reference to their defining cell.
 *
 * Limits: structured clone keeps Map, Set, Date, BigInt, RegExp, typed arrays, Error and cycles,
 * but a class instance comes back as a plain object (its methods are lost) and symbols,
 * WeakMap/WeakSet, Promise and objects holding functions cannot be carried at all.
 */

import { deserialize, serialize } from "node:v8";
import type { EncodedValue } from "./types.ts";

/** What encodeValue returns: the encoded value, or why the value cannot travel. */
export type EncodeOutcome = { ok: true; value: EncodedValue } | { ok: false; message: string };

/** Where a "code" value comes from: the cell to re-evaluate to get it back. */
export interface CodeReference {
  cellId: string;
  name: string;
  /** "value": an object structured clone cannot carry faithfully (methods, class instances). */
  kind: "function" | "class" | "value";
}

/** Options for encodeValue. */
export interface EncodeOptions {
  /** The cell defining the value; needed for functions and classes. */
  cellId?: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encodes one variable for transport and storage, naming it in any failure message. */
export function encodeValue(
  name: string,
  value: unknown,
  options: EncodeOptions = {},
): EncodeOutcome {
  if (typeof value === "function") {
    if (!options.cellId) {
      return { ok: false, message: `Cannot encode '${name}': a function with no defining cell` };
    }
    const isClass = /^class[\s{]/.test(Function.prototype.toString.call(value));
    const ref: CodeReference = {
      cellId: options.cellId,
      name,
      kind: isClass ? "class" : "function",
    };
    return { ok: true, value: { name, codec: "code", bytes: encoder.encode(JSON.stringify(ref)) } };
  }
  if (value instanceof Uint8Array && value.constructor === Uint8Array) {
    return { ok: true, value: { name, codec: "bytes", bytes: value.slice() } };
  }
  if (options.cellId && !safeCloneFaithful(value)) {
    // A class instance or an object holding functions would lose behaviour in a v8 clone (or fail
    // to clone): it travels as code, i.e. the defining cell is re-evaluated where it is needed.
    const ref: CodeReference = { cellId: options.cellId, name, kind: "value" };
    return { ok: true, value: { name, codec: "code", bytes: encoder.encode(JSON.stringify(ref)) } };
  }
  if (isJsonData(value, new Set(), 0)) {
    return {
      ok: true,
      value: { name, codec: "json", bytes: encoder.encode(JSON.stringify(value)) },
    };
  }
  try {
    return { ok: true, value: { name, codec: "v8", bytes: new Uint8Array(serialize(value)) } };
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    return {
      ok: false,
      message: `Cannot encode variable '${name}' (${describe(value)}): ${detail}. ` +
        "Store plain data, a Uint8Array, or define functions and classes at a cell's top level.",
    };
  }
}

/** Decodes a value encoded by encodeValue; "code" values must be re-evaluated instead. */
export function decodeValue(value: EncodedValue): unknown {
  switch (value.codec) {
    case "bytes":
      return value.bytes.slice();
    case "json":
      return JSON.parse(decoder.decode(value.bytes));
    case "v8":
      return deserialize(value.bytes);
    case "code":
      throw new TypeError(
        `Cannot decode '${value.name}': it is code from cell '${codeReference(value).cellId}'; ` +
          "pass that cell as a code input",
      );
    default:
      throw new TypeError(`Cannot decode '${value.name}': unknown codec '${value.codec}'`);
  }
}

/** The defining cell of a "code" value. */
export function codeReference(value: EncodedValue): CodeReference {
  if (value.codec !== "code") throw new TypeError(`'${value.name}' is not a code value`);
  return JSON.parse(decoder.decode(value.bytes)) as CodeReference;
}

/** Prototypes whose instances structured clone (node:v8) reproduces faithfully. */
const CLONEABLE_PROTOTYPES = new Set<unknown>([
  Object.prototype,
  null,
  Array.prototype,
  Map.prototype,
  Set.prototype,
  Date.prototype,
  RegExp.prototype,
  ArrayBuffer.prototype,
  DataView.prototype,
  Error.prototype,
  EvalError.prototype,
  RangeError.prototype,
  ReferenceError.prototype,
  SyntaxError.prototype,
  TypeError.prototype,
  URIError.prototype,
  Boolean.prototype,
  Number.prototype,
  String.prototype,
  BigInt.prototype,
  ...[
    Int8Array,
    Uint8Array,
    Uint8ClampedArray,
    Int16Array,
    Uint16Array,
    Int32Array,
    Uint32Array,
    Float32Array,
    Float64Array,
    BigInt64Array,
    BigUint64Array,
  ].map((c) => c.prototype),
]);

/** cloneFaithful, treating a value that throws while inspected (a getter) as not faithful. */
function safeCloneFaithful(value: unknown): boolean {
  try {
    return cloneFaithful(value, new Set(), 0);
  } catch {
    return false;
  }
}

/** True when a v8 clone of `v` behaves like `v`: no functions, only built-in cloneable objects. */
function cloneFaithful(v: unknown, seen: Set<object>, depth: number): boolean {
  if (typeof v === "function" || typeof v === "symbol") return false;
  if (v === null || typeof v !== "object") return true;
  if (seen.has(v) || depth > 200) return true; // cycles are fine for v8; depth is a guard
  if (!CLONEABLE_PROTOTYPES.has(Object.getPrototypeOf(v))) return false;
  seen.add(v);
  if (v instanceof Map) {
    for (const [k, x] of v) {
      if (!cloneFaithful(k, seen, depth + 1) || !cloneFaithful(x, seen, depth + 1)) return false;
    }
    return true;
  }
  if (v instanceof Set) {
    for (const x of v) if (!cloneFaithful(x, seen, depth + 1)) return false;
    return true;
  }
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return true;
  for (const key of Object.keys(v)) {
    if (!cloneFaithful((v as Record<string, unknown>)[key], seen, depth + 1)) return false;
  }
  return true;
}

function isJsonData(v: unknown, seen: Set<object>, depth: number): boolean {
  if (v === null || typeof v === "string" || typeof v === "boolean") return true;
  if (typeof v === "number") return Number.isFinite(v) && !Object.is(v, -0);
  if (typeof v !== "object" || depth > 200 || seen.has(v)) return false;
  seen.add(v);
  let ok: boolean;
  if (Array.isArray(v)) {
    ok = Object.keys(v).length === v.length && v.every((x) => isJsonData(x, seen, depth + 1));
  } else {
    const proto = Object.getPrototypeOf(v);
    ok = (proto === Object.prototype || proto === null) &&
      Object.getOwnPropertySymbols(v).length === 0 &&
      Object.values(v).every((x) => isJsonData(x, seen, depth + 1));
  }
  seen.delete(v);
  return ok;
}

function describe(v: unknown): string {
  if (v === null || typeof v !== "object") return typeof v;
  return `instance of ${Object.getPrototypeOf(v)?.constructor?.name ?? "Object"}`;
}
