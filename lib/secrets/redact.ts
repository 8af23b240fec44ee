/**
 * Redaction of cell output: every current secret value in console lines, displays and errors is
 * replaced by `[secret:NAME]` before the result is stored, cached or shown. Secrets here are the
 * values the notebook holds as secrets (from a secret manager, entered as secret, or under a
 * sensitive name), so a cell that prints `Deno.env.get("DATABASE_URL")` stores
 * `[secret:DATABASE_URL]`, never the URL.
 *
 * Matched forms: the value itself, its URL-encoded form and its JSON-escaped form (a string
 * shown inside JSON or a quoted display). Other encodings (base64, hex, reversed, sliced) are not
 * recognised: redaction stops accidents and casual viewers, not a cell author who means to leak
 * a value they can already read.
 */
import type { CellResult, EncodedValue } from "../executor/types.ts";
import { decodeValue, encodeValue } from "../executor/codecs.ts"; // issue 16

/**
 * Values shorter than this are not redacted: a 4-letter value such as "true" or "prod" fetched
 * from a secret manager would otherwise shred ordinary output, and is no secret worth the name.
 */
export const MIN_REDACTED_LENGTH = 6;

/** Replaces secret values in strings and nested values. */
export interface SecretRedactor {
  /** Number of values it looks for (0: a no-op). */
  readonly size: number;
  /** The text with every known value replaced by `[secret:NAME]`. */
  text(input: string): string;
  /** A deep copy of a JSON-like value with every string (and object key) redacted. */
  value<T>(input: T): T;
}

/**
 * A redactor for `secrets` (name → value).
 *
 * @example
 * const r = secretRedactor({ DATABASE_URL: "postgres://u:pw@db/x" });
 * r.text("connecting to postgres://u:pw@db/x"); // "connecting to [secret:DATABASE_URL]"
 */
export function secretRedactor(secrets: Readonly<Record<string, string>>): SecretRedactor {
  const byForm = new Map<string, string>();
  // Sorted by name so two names sharing one value always redact to the same (first) name.
  for (const name of Object.keys(secrets).sort()) {
    const value = secrets[name];
    if (typeof value !== "string" || value.length < MIN_REDACTED_LENGTH) continue;
    for (const form of [value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)]) {
      if (!byForm.has(form)) byForm.set(form, name);
    }
  }
  // Longest first: at one position the alternation takes the first that matches, so a secret
  // that contains another is replaced whole.
  const forms = [...byForm.keys()].sort((a, b) => b.length - a.length);
  const pattern = forms.length ? new RegExp(forms.map(escapeRegExp).join("|"), "g") : null;

  function text(input: string): string {
    if (!pattern || input.length < MIN_REDACTED_LENGTH) return input;
    return input.replace(pattern, (match) => `[secret:${byForm.get(match)}]`);
  }

  function value<T>(input: T): T {
    if (!pattern) return input;
    return walk(input) as T;
  }

  function walk(v: unknown): unknown {
    if (typeof v === "string") return text(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") {
      return Object.fromEntries(Object.entries(v).map(([k, inner]) => [text(k), walk(inner)]));
    }
    return v;
  }

  return { size: byForm.size, text, value };
}

/**
 * A cell result with its console, displays and error redacted. Output values (artifacts) are
 * left alone: downstream cells need them exactly as produced.
 */
export function redactCellResult(result: CellResult, redactor: SecretRedactor): CellResult {
  if (redactor.size === 0) return result;
  const out: CellResult = {
    ...result,
    console: result.console.map((e) => ({ ...e, text: redactor.text(e.text) })),
    displays: result.displays.map((d) => redactor.value(d)),
    // issue 16: `$vars` (variable previews) and `$table:<i>` (a table display's rows) are
    // displays in another form: redacted like them; one that cannot be is dropped.
    outputs: result.outputs.flatMap((
      o,
    ) => (o.name.startsWith("$") ? redactInternal(o, redactor) : [o])),
  };
  if (result.error) {
    out.error = { ...result.error, message: redactor.text(result.error.message) };
    if (result.error.stack !== undefined) out.error.stack = redactor.text(result.error.stack);
  }
  return out;
}

function redactInternal(o: EncodedValue, redactor: SecretRedactor): EncodedValue[] {
  try {
    let value = decodeValue(o);
    if (o.name === "$vars" && Array.isArray(value)) {
      // A cut preview may end inside a secret, which no longer matches it: hide cut previews.
      value = value.map((v: { preview?: string }) =>
        v.preview?.endsWith("…") ? { ...v, preview: "[cut preview hidden: secrets in use]" } : v
      );
    }
    const enc = encodeValue(o.name, redactor.value(value));
    return enc.ok ? [enc.value] : [];
  } catch {
    return [];
  }
}

/** The run engine's `redact` hook for a set of secrets (name → value). */
export function cellResultRedactor(
  secrets: Readonly<Record<string, string>>,
): (result: CellResult) => CellResult {
  const redactor = secretRedactor(secrets);
  return function redact(result) {
    return redactCellResult(result, redactor);
  };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
