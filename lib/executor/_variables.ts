/**
 * The variables panel's facts (issue 16): after a cell ran, each name it declares at its top level
 * is described by type, a size (elements, characters, keys or bytes) and a short preview. Stored
 * with the cell's outputs as the JSON value `$vars`, so a cache hit keeps it.
 */

/** Name of the stored value holding a cell's variable summaries. */
export const VARIABLES_VALUE = "$vars";

/** What the panel shows for one name. */
export interface VariableSummary {
  name: string;
  /** e.g. "number", "string", "Array", "Map", "function", "class", "Date". */
  type: string;
  /** Elements, characters, entries or bytes, with its unit; absent for scalars. */
  size?: { count: number; unit: "items" | "chars" | "keys" | "bytes" | "entries" };
  /** At most 120 characters of Deno.inspect. */
  preview: string;
}

/** Summaries of the names `peek` can read (a name in its TDZ or throwing is skipped). */
export function describeVariables(peek: Record<string, () => unknown>): VariableSummary[] {
  const out: VariableSummary[] = [];
  for (const name of Object.keys(peek)) {
    let v: unknown;
    try {
      v = peek[name]();
    } catch {
      continue;
    }
    try {
      out.push({ name, ...describe(v) });
    } catch { // a Proxy whose traps throw, a patched intrinsic: the name is left out
      out.push({ name, type: "unknown", preview: "" });
    }
  }
  return out;
}

function describe(v: unknown): Omit<VariableSummary, "name"> {
  const preview = inspect(v);
  if (v === null) return { type: "null", preview };
  if (typeof v === "function") {
    const isClass = /^class[\s{]/.test(Function.prototype.toString.call(v));
    return {
      type: isClass ? "class" : "function",
      preview: `${isClass ? "class" : "ƒ"} ${v.name}`,
    };
  }
  if (typeof v !== "object") {
    const size = typeof v === "string" ? { count: v.length, unit: "chars" as const } : undefined;
    return { type: typeof v, size, preview };
  }
  const type = Object.prototype.toString.call(v) === "[object Module]"
    ? "module"
    : (Object.getPrototypeOf(v)?.constructor?.name as string | undefined) || "Object";
  if (Array.isArray(v)) return { type, size: { count: v.length, unit: "items" }, preview };
  if (v instanceof Map || v instanceof Set) {
    return { type, size: { count: v.size, unit: "entries" }, preview };
  }
  if (ArrayBuffer.isView(v)) return { type, size: { count: v.byteLength, unit: "bytes" }, preview };
  return { type, size: { count: Object.keys(v).length, unit: "keys" }, preview };
}

function inspect(v: unknown): string {
  let s: string;
  try {
    s = Deno.inspect(v, {
      colors: false,
      depth: 1,
      iterableLimit: 5,
      strAbbreviateSize: 100,
      compact: true,
      breakLength: Infinity,
    });
  } catch {
    s = "[uninspectable]";
  }
  s = s.replace(/\s+/g, " ");
  return s.length > 120 ? `${s.slice(0, 119)}…` : s;
}
