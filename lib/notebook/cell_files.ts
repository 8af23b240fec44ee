/** Cell ids, slugs and file paths: `cells/<id>_<slug>.ts|.tsx|.md`, always inside `cells/`. */
import { ValidationError } from "../errors.ts";

/** Cell languages a notebook can hold. */
export type CellLanguage = "typescript" | "markdown" | "prompt";

/**
 * The longest cell source, in characters: what the API accepts, what the executor builds, and
 * what a cell file edited on disk may hold before it is refused rather than analysed.
 */
export const MAX_CELL_SOURCE = 1_000_000;

const CELL_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const CELL_FILE = /^cells\/[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** A new random cell id: 8 lowercase hex characters. */
export function newCellId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(4));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** True for a usable cell id (hand-written notebooks may use longer ids than newCellId's). */
export function isCellId(id: string): boolean {
  return CELL_ID.test(id);
}

/** A file-name slug from the cell's `@name`, else its first words; "cell" when nothing fits. */
export function cellSlug(source: string, language: CellLanguage): string {
  const name = /^\s*\/\/\s*@name\s+(.+)$/m.exec(source)?.[1];
  const text = name ?? firstWords(source, language);
  const slug = text.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "").slice(0, 40).replace(/-+$/, "");
  return slug || "cell";
}

function firstWords(source: string, language: CellLanguage): string {
  for (const raw of source.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    if (language !== "markdown" && (line.startsWith("//") || line.startsWith("/*"))) continue;
    return line.replace(/^#+\s*/, "").split(/\s+/).slice(0, 5).join(" ");
  }
  return "";
}

/** Extension of a cell file for its language (JSX cells are `.tsx`). */
export function cellExtension(language: CellLanguage, jsx = false): string {
  if (language !== "typescript") return ".md";
  return jsx ? ".tsx" : ".ts";
}

/** The manifest `file` entry for a cell. */
export function cellFileName(id: string, slug: string, extension: string): string {
  return `cells/${id}_${slug}${extension}`;
}

/**
 * Checks a manifest `file` entry: relative, forward slashes, directly inside `cells/`, no `..`.
 * Throws ValidationError naming the entry otherwise.
 */
export function assertCellFile(file: string): void {
  if (typeof file !== "string" || !CELL_FILE.test(file) || file.includes("..")) {
    throw new ValidationError(
      `Cell file '${file}' is outside the notebook's cells/ folder or has an invalid name`,
    );
  }
}
