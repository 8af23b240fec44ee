/**
 * Prompt cells as text: the leading `// @name ...` block holds annotations (as in TypeScript
 * cells), the rest is the prompt, whose `{{name}}` placeholders reference upstream variables.
 * For the DAG a prompt cell is a cell that reads its placeholders and defines its `@name`
 * (a string: the model's answer). Pure functions, no I/O.
 */
import { type CellAnalysis, type CellDiagnostic, emptyAnalysis } from "../notebook/analyzer.ts";
import { textHash } from "../notebook/source_hash.ts";

const PLACEHOLDER = /\{\{\s*([A-Za-z_$][A-Za-z0-9_$]*)\s*\}\}/g;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Names referenced as `{{name}}`, in first-use order, once each. */
export function promptReferences(source: string): string[] {
  const names = new Set<string>();
  for (const m of promptBody(source).matchAll(PLACEHOLDER)) names.add(m[1]);
  return [...names];
}

/** The prompt without its leading `//` annotation block. */
export function promptBody(source: string): string {
  const lines = source.replace(/^\uFEFF/, "").split(/\r?\n/);
  let i = 0;
  while (i < lines.length && (lines[i].trim() === "" || lines[i].trim().startsWith("//"))) i++;
  return lines.slice(i).join("\n").trim();
}

/**
 * The analysis the DAG and provenance use for a prompt cell: it reads its placeholders and
 * defines `name` when that is an identifier. The source hash covers the whole text.
 */
export function promptAnalysis(source: string, name: string | undefined): CellAnalysis {
  const diagnostics: CellDiagnostic[] = name && !IDENTIFIER.test(name)
    ? [{
      severity: "warning",
      code: "prompt-name",
      message: `Prompt cell name '${name}' is not an identifier, so no variable is defined for it`,
    }]
    : [];
  return emptyAnalysis(textHash(`prompt\n${source}`), diagnostics, {
    defines: name && IDENTIFIER.test(name) ? [name] : [],
    references: promptReferences(source),
  });
}

/** Options of {@link renderPrompt}. */
export interface RenderOptions {
  /** Longest rendering of one value, in characters; longer ones are cut and say so. @default 8000 */
  maxValueChars?: number;
}

/**
 * The prompt with each `{{name}}` replaced by its value: strings as they are, anything else as
 * JSON (Map, Set, BigInt, bytes made readable), each cut at `maxValueChars`. A name without a
 * value (its defining cell failed or nothing defines it) renders as `(undefined)`.
 */
export function renderPrompt(
  source: string,
  values: ReadonlyMap<string, unknown>,
  options: RenderOptions = {},
): string {
  const max = options.maxValueChars ?? 8000;
  return promptBody(source).replace(PLACEHOLDER, (_all, name: string) => {
    if (!values.has(name)) return "(undefined)";
    const text = asText(values.get(name));
    return text.length <= max
      ? text
      : `${text.slice(0, max)}\n… (cut: ${text.length} characters in all)`;
  });
}

function asText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined) return "(undefined)";
  try {
    return JSON.stringify(value, jsonReplacer, 2) ?? String(value);
  } catch (err) {
    return `(not renderable as JSON: ${(err as Error).message})`;
  }
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Set) return [...value];
  if (value instanceof Uint8Array) return `(${value.byteLength} bytes)`;
  if (typeof value === "function") return `(function ${value.name})`;
  return value;
}
