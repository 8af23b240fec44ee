/**
 * The ambient declarations every cell sees: TypeScript's `esnext` library (read from the
 * `typescript` package beside the compiler, once per process), the Deno namespace and Web
 * globals (generated from `deno types`, loaded on first use), and the notebook's cell helpers.
 * Snapshots are shared by every notebook's language service, as are their parsed SourceFiles
 * (through one DocumentRegistry), so an open notebook costs only its own cells and checker.
 */
import { readFileSync } from "node:fs";
import type ts from "typescript";
import { loadTypeScript, type Ts } from "../notebook/_typescript.ts";
import { VIRTUAL_ROOT } from "./virtual_cells.ts";

/** Virtual file holding the Deno declarations. */
export const DENO_LIB_FILE = `${VIRTUAL_ROOT}/lib/deno.d.ts`;
/** Virtual file holding the cell helpers (`display`, `md`, `html`, `svg`). */
export const HELPERS_LIB_FILE = `${VIRTUAL_ROOT}/lib/strata_helpers.d.ts`;

/**
 * Globals the cell harness installs (lib/executor/harness.ts, display.ts); keep in step with it.
 * Written as a script (no import/export) so the names are global.
 */
const HELPERS = `
/** Display output a value carries with it (made by md, html, svg). */
interface StrataDisplayable { readonly [key: symbol]: { type: string; data: unknown } }
/** Options of display(). */
interface StrataDisplayOptions {
  /** Force an output type instead of the one chosen from the value. */
  type?: "text" | "markdown" | "html" | "svg" | "png" | "table" | "json";
  /** Table rows kept. @default 1000 */
  maxRows?: number;
}
/** Shows a value below the cell (in addition to the cell's last expression). */
declare function display(value: unknown, options?: StrataDisplayOptions): void;
/** Markdown output; usable as a tag (md\`# \${title}\`) or a call (md("# hi")). */
declare function md(strings: TemplateStringsArray | string, ...values: unknown[]): StrataDisplayable;
/** HTML output; a tag or a call. */
declare function html(strings: TemplateStringsArray | string, ...values: unknown[]): StrataDisplayable;
/** SVG output; a tag or a call. */
declare function svg(strings: TemplateStringsArray | string, ...values: unknown[]): StrataDisplayable;
`;

/** Loaded library state shared by all language services of the process. */
export interface SharedLibs {
  ts: Ts;
  registry: ts.DocumentRegistry;
  /** Directory of TypeScript's own lib.*.d.ts files. */
  libDir: string;
  /** Virtual lib files every program includes as roots. */
  rootFiles: string[];
  /** Snapshot of a library file, or undefined when it does not exist. */
  snapshot(fileName: string): ts.IScriptSnapshot | undefined;
  /** Whether TypeScript's lib files were found (a single-file build may lack them). */
  haveTsLibs: boolean;
}

let pending: Promise<SharedLibs> | undefined;

/** Loads the compiler and the declarations once per process. */
export function loadSharedLibs(): Promise<SharedLibs> {
  pending ??= load();
  return pending;
}

async function load(): Promise<SharedLibs> {
  const [t, deno] = await Promise.all([
    loadTypeScript(),
    import("./_deno_types.generated.ts"),
  ]);
  const libDir = t.getDefaultLibFilePath({}).replace(/\/[^/]+$/, "");
  const texts = new Map<string, string>([
    [DENO_LIB_FILE, deno.DENO_TYPES],
    [HELPERS_LIB_FILE, HELPERS],
  ]);
  const snapshots = new Map<string, ts.IScriptSnapshot | null>();
  function snapshot(fileName: string): ts.IScriptSnapshot | undefined {
    let s = snapshots.get(fileName);
    if (s === undefined) {
      let text = texts.get(fileName);
      if (text === undefined && fileName.startsWith(libDir + "/lib.")) {
        try {
          text = readFileSync(fileName, "utf8");
        } catch {
          text = undefined;
        }
      }
      s = text === undefined ? null : t.ScriptSnapshot.fromString(text);
      snapshots.set(fileName, s);
    }
    return s ?? undefined;
  }
  return {
    ts: t,
    registry: t.createDocumentRegistry(),
    libDir,
    rootFiles: [DENO_LIB_FILE, HELPERS_LIB_FILE],
    snapshot,
    haveTsLibs: snapshot(`${libDir}/lib.esnext.d.ts`) !== undefined,
  };
}
