/**
 * The ambient declarations every cell sees: TypeScript's `esnext` library (read from the
 * `typescript` package beside the compiler, once per process), the Deno namespace and Web
 * globals (generated from `deno types`, loaded on first use), and the notebook's cell helpers.
 * Snapshots are shared by every notebook's language service, as are their parsed SourceFiles
 * (through one DocumentRegistry), so an open notebook costs only its own cells and checker.
 */
import { readFileSync, statSync } from "node:fs";
import { setImmediate } from "node:timers";
import type ts from "typescript";
import { loadTypeScript, type Ts } from "../notebook/_typescript.ts";
import { VIRTUAL_ROOT } from "./virtual_cells.ts";

/** Virtual file holding one section of the Deno declarations. */
function denoLibFile(i: number): string {
  return `${VIRTUAL_ROOT}/lib/deno_${i}.d.ts`;
}
/** Virtual file holding the cell helpers (`display`, `md`, `html`, `svg`, `ui`). */
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
  type?: "text" | "markdown" | "html" | "svg" | "png" | "iframe" | "table" | "json";
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
/** A widget (issue 16, lib/widgets/ui_child.ts): its current value is \`.value\`. */
interface StrataWidget<T> { readonly kind: string; readonly name: string; readonly label?: string; readonly value: T }
interface StrataWidgetCommon { label?: string; name?: string }
type StrataOption = string | number | boolean;
/** Widgets: each call displays a control; a cell reading \`.value\` re-runs when it moves. */
declare const ui: {
  slider(o: StrataWidgetCommon & { min: number; max: number; step?: number; value?: number }): StrataWidget<number>;
  number(o: StrataWidgetCommon & { min?: number; max?: number; step?: number; value?: number }): StrataWidget<number>;
  select<T extends StrataOption>(o: StrataWidgetCommon & { options: T[]; value?: T }): StrataWidget<T>;
  multiselect<T extends StrataOption>(o: StrataWidgetCommon & { options: T[]; value?: T[] }): StrataWidget<T[]>;
  text(o?: StrataWidgetCommon & { value?: string; placeholder?: string }): StrataWidget<string>;
  checkbox(o?: StrataWidgetCommon & { value?: boolean }): StrataWidget<boolean>;
  date(o?: StrataWidgetCommon & { value?: string; min?: string; max?: string }): StrataWidget<string>;
  button(o?: StrataWidgetCommon & { value?: number }): StrataWidget<number>;
  table<R extends Record<string, unknown>>(rows: R[], o?: StrataWidgetCommon & { selection?: "single" | "multi"; value?: number[] }): StrataWidget<R[]> & { readonly selected: number[] };
};
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
  /**
   * Parses and binds every library file into the shared registry, one file per macrotask, so
   * the first program does not block the server for the whole ≈1.3 MB at once. Idempotent.
   */
  warm(settings: ts.CompilerOptions): Promise<void>;
}

let pending: Promise<SharedLibs> | undefined;

/** Whether this thread has loaded the declarations (a test asks which thread checks types). */
export function sharedLibsLoaded(): boolean {
  return pending !== undefined;
}

/** Loads the compiler and the declarations once per thread. */
export function loadSharedLibs(): Promise<SharedLibs> {
  pending ??= load();
  return pending;
}

async function load(): Promise<SharedLibs> {
  const [t, deno] = await Promise.all([
    loadTypeScript(),
    import("./_deno_types.generated.ts"),
  ]);
  const libDir = findLibDir(t);
  const texts = new Map<string, string>([
    ...deno.DENO_TYPES.map((text, i) => [denoLibFile(i), text] as [string, string]),
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
  const registry = t.createDocumentRegistry();
  const rootFiles = [...texts.keys()];
  let warming: Promise<void> | undefined;
  function warm(settings: ts.CompilerOptions): Promise<void> {
    warming ??= (async () => {
      const files = [...libClosure(snapshot, libDir, settings.lib ?? []), ...rootFiles];
      // The language services see no package.json anywhere (their host serves only these files).
      const host: ts.ModuleResolutionHost = {
        fileExists: (f) => snapshot(f) !== undefined,
        readFile: (f) => {
          const s = snapshot(f);
          return s?.getText(0, s.getLength());
        },
      };
      // Internal but stable (the checker calls it for every file; it does nothing twice).
      const bind =
        (t as unknown as { bindSourceFile?(f: ts.SourceFile, o: ts.CompilerOptions): void })
          .bindSourceFile;
      for (const f of files) {
        const s = snapshot(f);
        if (!s) continue;
        // Same key, path, version ("0") and module format as the language services ask for, so
        // they reuse these files (parsed and bound) instead of parsing their own.
        const sf = registry.acquireDocument(f, settings, s, "0", t.ScriptKind.TS, {
          languageVersion: settings.target ?? t.ScriptTarget.ESNext,
          impliedNodeFormat: t.getImpliedNodeFormatForFile(f as ts.Path, undefined, host, settings),
        });
        await yieldToEventLoop();
        bind?.(sf, settings);
        await yieldToEventLoop();
      }
    })();
    return warming;
  }
  return {
    ts: t,
    registry,
    libDir,
    rootFiles,
    snapshot,
    haveTsLibs: snapshot(`${libDir}/lib.esnext.d.ts`) !== undefined,
    warm,
  };
}

/**
 * Where TypeScript's lib files are: beside the compiler (development, `node_modules`), else in
 * `typescript_lib/` beside this module, where the single-file build copies them (the bundle's
 * `import.meta.url` is the bundle itself).
 */
function findLibDir(t: Ts): string {
  const beside = t.getDefaultLibFilePath({}).replace(/\/[^/]+$/, "");
  const shipped = new URL("./typescript_lib", import.meta.url).pathname;
  for (const dir of [beside, shipped]) {
    try {
      statSync(`${dir}/lib.esnext.d.ts`);
      return dir;
    } catch { /* next */ }
  }
  return beside;
}

/**
 * Copies the lib files the language service reads (`lib.esnext.d.ts` and what it references)
 * into `outDir`, for the single-file build; answers how many.
 */
export async function copyTypeScriptLibs(outDir: string): Promise<number> {
  const t = await loadTypeScript();
  const dir = t.getDefaultLibFilePath({}).replace(/\/[^/]+$/, "");
  const read = (f: string) => {
    try {
      const text = readFileSync(f, "utf8");
      return t.ScriptSnapshot.fromString(text);
    } catch {
      return undefined;
    }
  };
  const files = libClosure(read, dir, ["lib.esnext.d.ts"]);
  await Deno.mkdir(outDir, { recursive: true });
  for (const f of files) await Deno.copyFile(f, `${outDir}/${f.slice(dir.length + 1)}`);
  return files.length;
}

/** `setImmediate`: a nested `setTimeout(0)` is clamped to 4 ms, ≈0.5 s over the ≈100 files. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((ok) => setImmediate(ok));
}

/** TypeScript lib files reachable from `lib` through `/// <reference lib>` directives. */
function libClosure(
  snapshot: (f: string) => ts.IScriptSnapshot | undefined,
  libDir: string,
  lib: readonly string[],
): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    const s = snapshot(file);
    if (!s) return;
    const text = s.getText(0, Math.min(s.getLength(), 4000));
    for (const m of text.matchAll(/^\/\/\/\s*<reference\s+lib="([^"]+)"/gm)) {
      visit(`${libDir}/lib.${m[1].toLowerCase()}.d.ts`);
    }
    seen.add(file);
  };
  for (const name of lib) visit(`${libDir}/${name}`);
  return [...seen];
}
