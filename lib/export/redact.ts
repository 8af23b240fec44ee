/**
 * Keeps secrets out of exports. Secret env values are never part of a snapshot by design
 * (receipts carry key names only); as a second line, every string of the snapshot is searched
 * for the values of the session's secret keys, which are replaced by `[secret:NAME]`.
 */
import type { NotebookSession } from "../session/notebook_session.ts";
import { isSensitiveKey } from "../secrets/sensitive.ts";

// Shorter values would shred ordinary words; a 3-character secret protects nothing anyway.
const MIN_LENGTH = 4;

/** The session's secret values by key: secret-manager values, manual entries, sensitive keys. */
export function secretValues(session: NotebookSession): Map<string, string> {
  const out = new Map<string, string>();
  const secrets = session.scope.secrets;
  if (secrets) {
    const merged = secrets.merged().env;
    for (const row of secrets.view()) {
      const v = merged[row.key];
      if (row.secret && v) out.set(row.key, v);
    }
  }
  for (const info of session.model.cells) {
    for (const [k, v] of Object.entries(info.env)) if (isSensitiveKey(k) && v) out.set(k, v);
  }
  return out;
}

/** Replaces each secret value (and its URL-encoded form) in `text` with `[secret:NAME]`. */
export function redactText(text: string, secrets: ReadonlyMap<string, string>): string {
  let out = text;
  const byLength = [...secrets].filter(([, v]) => v.length >= MIN_LENGTH)
    .sort((a, b) => b[1].length - a[1].length);
  for (const [name, value] of byLength) {
    out = out.split(value).join(`[secret:${name}]`);
    const encoded = encodeURIComponent(value);
    if (encoded !== value) out = out.split(encoded).join(`[secret:${name}]`);
  }
  return out;
}

/** A copy of a JSON-like value with every string redacted (keys included). */
export function redactDeep<T>(value: T, secrets: ReadonlyMap<string, string>): T {
  if (secrets.size === 0) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return redactText(v, secrets);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [redactText(k, secrets), walk(x)]),
      );
    }
    return v;
  };
  return walk(value) as T;
}
