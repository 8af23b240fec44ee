/** SHA-256 helpers shared by the source hash and provenance (node:crypto: synchronous, fast). */
import { createHash } from "node:crypto";

/** Hex SHA-256 of a string (UTF-8). */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Hex SHA-256 of a value's canonical JSON (object keys sorted at every level). */
export function canonicalHash(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

/** JSON with object keys sorted, so equal values always serialize to equal strings. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, function sortKeys(_key, v) {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      return Object.fromEntries(
        Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]),
      );
    }
    return v;
  });
}
