/** Canonical JSON: one byte-exact text per value, so an HMAC over it is reproducible anywhere. */

/** A value canonicalJson accepts: JSON data built from plain objects and arrays. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue | undefined };

/**
 * Serializes `value` with object keys sorted by UTF-16 code units, no whitespace, and numbers
 * in ECMAScript's shortest round-trip form (the RFC 8785 rules: `1e21`, `0.1`, `-0` → `0`).
 * Object properties whose value is `undefined` are left out, as JSON.stringify does.
 * Throws a TypeError naming the path for non-finite numbers, bigint, functions, symbols,
 * `undefined` in an array or at the top, and anything that is not a plain object or array
 * (Date, Map, class instances), so a hash never depends on a lossy or ambiguous conversion.
 */
export function canonicalJson(value: unknown): string {
  return write(value, "$", new Set());
}

function write(value: unknown, path: string, seen: Set<object>): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "string":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) {
        throw new TypeError(`Cannot canonicalize ${path}: ${value} is not a finite number`);
      }
      return JSON.stringify(value);
    case "object":
      break;
    default:
      throw new TypeError(`Cannot canonicalize ${path}: a ${typeof value} is not JSON data`);
  }
  const object = value as object;
  if (seen.has(object)) throw new TypeError(`Cannot canonicalize ${path}: circular reference`);
  seen.add(object);
  try {
    if (Array.isArray(object)) {
      const items = object.map((item, i) => {
        if (item === undefined) {
          throw new TypeError(`Cannot canonicalize ${path}[${i}]: undefined is not JSON data`);
        }
        return write(item, `${path}[${i}]`, seen);
      });
      return `[${items.join(",")}]`;
    }
    const proto = Object.getPrototypeOf(object);
    if (proto !== Object.prototype && proto !== null) {
      const kind = proto?.constructor?.name ?? "object";
      throw new TypeError(`Cannot canonicalize ${path}: a ${kind} is not a plain object`);
    }
    const record = object as Record<string, unknown>;
    const parts: string[] = [];
    for (const key of Object.keys(record).sort()) {
      if (record[key] === undefined) continue;
      parts.push(`${JSON.stringify(key)}:${write(record[key], `${path}.${key}`, seen)}`);
    }
    return `{${parts.join(",")}}`;
  } finally {
    seen.delete(object);
  }
}
