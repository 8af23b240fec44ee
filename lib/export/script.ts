/**
 * The script export: one TypeScript module that runs a notebook's code cells in topological order
 * with plain `deno run`. Each cell's source is kept verbatim except its final expression, which is
 * wrapped in a call that prints it the way `strata run` shows it; `display`, `md`, `html` and
 * `svg` print too. The header names the union of the cells' permissions as the command line.
 * Cells share one module scope, so a name defined by two cells cannot be exported (it is refused
 * with the names and cells, like the notebook's own diagnostic).
 */
import { isAbsolute, resolve } from "node:path";
import { ValidationError } from "../errors.ts";
import { finalExpressionRange } from "../executor/cell_module.ts";
import type { NotebookSnapshot, SnapshotCell } from "./snapshot.ts";

/** Options for renderScript. */
export interface ScriptOptions {
  /**
   * The notebook folder (absolute). Cells run with it as their working folder, as in Strata;
   * without it (an export over HTTP) the script runs in the current folder.
   */
  notebookDir?: string;
  /** The script's file name, for the printed command line. @default "notebook.ts" */
  fileName?: string;
}

/** The union of the code cells' permissions as `deno run` flags, sorted. */
export function scriptPermissionFlags(
  snapshot: NotebookSnapshot,
  notebookDir?: string,
): string[] {
  const lists = {
    read: new Set<string>(),
    write: new Set<string>(),
    net: new Set<string>(),
    env: new Set<string>(Object.keys(snapshot.env)),
    sys: new Set<string>(),
    run: new Set<string>(),
  };
  const all = new Set<keyof typeof lists>();
  const path = (p: string) => (notebookDir && !isAbsolute(p) ? resolve(notebookDir, p) : p);
  if (notebookDir) lists.read.add(notebookDir);
  for (const c of codeCells(snapshot)) {
    const p = c.permissions;
    if (!p) continue;
    for (const r of p.read ?? []) lists.read.add(path(r));
    for (const w of p.write ?? []) lists.write.add(path(w));
    for (const kind of ["net", "env", "sys", "run"] as const) {
      const g = p[kind];
      if (g === true) all.add(kind);
      else for (const item of g ?? []) lists[kind].add(item);
    }
  }
  const flags: string[] = [];
  for (const [kind, set] of Object.entries(lists) as [keyof typeof lists, Set<string>][]) {
    if (all.has(kind)) flags.push(`--allow-${kind}`);
    else if (set.size > 0) flags.push(`--allow-${kind}=${[...set].sort().join(",")}`);
  }
  return flags.sort();
}

/** Renders the script; throws ValidationError when cells cannot share one module scope. */
export async function renderScript(
  snapshot: NotebookSnapshot,
  options: ScriptOptions = {},
): Promise<string> {
  assertOneScope(snapshot);
  const flags = scriptPermissionFlags(snapshot, options.notebookDir);
  const file = options.fileName ?? "notebook.ts";
  const command = ["deno", "run", ...flags, file].map(shellQuote).join(" ");
  const byId = new Map(snapshot.cells.map((c) => [c.id, c]));
  const position = new Map(snapshot.cells.map((c, i) => [c.id, i + 1]));
  const body: string[] = [];
  for (const id of snapshot.order) {
    const cell = byId.get(id);
    if (!cell || cell.language !== "typescript") continue;
    const label = cell.name ?? `cell ${position.get(id)}`;
    // Widgets (issue 16): the cell's ui.* calls return the values it last showed, in order.
    const widgets = (cell.outputs?.displays ?? []).flatMap((d) =>
      d.type === "widget" ? [{ name: d.data.label ?? d.data.name, value: d.data.value }] : []
    );
    if (widgets.length > 0) body.push(`__strata.widgets(${JSON.stringify(widgets)});`);
    body.push(
      `// ---- ${oneLine(label)} (${id}) ----`,
      await wrapLast(cell.source, label),
      "",
    );
  }
  const header = [
    "// @ts-nocheck -- cells are checked in Strata; this file only runs them.",
    `// ${oneLine(snapshot.notebook.name)}: exported from Strata on ${snapshot.exportedAt}.`,
    "// Runs the notebook's code cells in dependency order and prints each cell's displayed value.",
    "//",
    "// Run it with exactly the permissions its cells were granted:",
    `//   ${command}`,
    "//",
    "// Secret values are not part of this file: set them in the environment before running.",
  ];
  const env = Object.entries(snapshot.env);
  return [
    ...header,
    "",
    PRELUDE.trim(),
    options.notebookDir
      ? `__strata.chdir(${JSON.stringify(options.notebookDir)});`
      : "// No notebook folder recorded: cells read relative paths from the current folder.",
    ...(env.length > 0 ? [`__strata.defaults(${JSON.stringify(Object.fromEntries(env))});`] : []),
    "",
    ...body,
  ].join("\n");
}

function codeCells(snapshot: NotebookSnapshot): SnapshotCell[] {
  return snapshot.cells.filter((c) => c.language === "typescript");
}

function assertOneScope(snapshot: NotebookSnapshot): void {
  const dup = codeCells(snapshot).flatMap((c) =>
    c.diagnostics.filter((d) => d.code === "duplicate-definition").map((d) =>
      `${c.id}: ${d.message}`
    )
  );
  if (dup.length > 0) {
    throw new ValidationError(
      `Cannot export '${snapshot.notebook.name}' as a script: cells would share one scope, ` +
        `but names are defined more than once (${dup.join("; ")})`,
    );
  }
}

/** The cell source with its final expression statement wrapped in a printing call. */
async function wrapLast(source: string, label: string): Promise<string> {
  const text = source.startsWith("#!") ? "//" + source.slice(2) : source;
  const last = await finalExpressionRange(source);
  if (!last) return text;
  return `${text.slice(0, last.start)}__strata.show(${JSON.stringify(label)}, (${
    text.slice(last.start, last.end)
  }))${text.slice(last.end)}`;
}

function oneLine(s: string): string {
  return s.replace(/[\r\n\u2028\u2029]+/g, " ");
}

/** Quotes a shell word when it holds anything besides safe characters. */
function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * Runs before the cells: prints displayed values as `strata run` shows them (strings as they
 * are, tables tab-separated, markup as its source, anything else through Deno.inspect).
 */
const PRELUDE = String.raw`
const __strata = (() => {
  const MARK = Symbol.for("strata.display");
  const inspect = (v) =>
    Deno.inspect(v, { colors: false, depth: 6, iterableLimit: 200, strAbbreviateSize: 10_000 });
  const plain = (r) =>
    r !== null && typeof r === "object" && !Array.isArray(r) &&
    [Object.prototype, null].includes(Object.getPrototypeOf(r));
  const cell = (v) =>
    v === null || v === undefined ? "null" : typeof v === "string" ? v
    : typeof v === "number" || typeof v === "boolean" ? String(v)
    : typeof v === "bigint" ? v.toString() : v instanceof Date ? v.toISOString() : inspect(v);
  const text = (v) => {
    if (typeof v === "string") return v;
    if (v !== null && typeof v === "object" && v[MARK]) {
      const d = v[MARK];
      return typeof d.data === "string" ? d.data : JSON.stringify(d.data, null, 2);
    }
    if (Array.isArray(v) && v.length > 0 && v.every(plain)) {
      const columns = [...new Set(v.flatMap((r) => Object.keys(r)))];
      return [columns.join("\t"), ...v.map((r) => columns.map((c) => cell(r[c])).join("\t"))]
        .join("\n");
    }
    return inspect(v);
  };
  const mark = (type) => (strings, ...values) => ({
    [MARK]: {
      type,
      data: typeof strings === "string"
        ? [strings, ...values.map(String)].join("")
        : strings.reduce((o, s, i) => o + s + (i < values.length ? String(values[i]) : ""), ""),
    },
  });
  // Widgets (issue 16): each ui.* call takes the next value the notebook showed for its cell.
  let widgetQueue = [];
  const initial = (kind, o) =>
    o.value ?? { slider: o.min, number: o.min ?? 0, select: o.options?.[0], multiselect: [],
      text: "", checkbox: false, date: new Date().toISOString().slice(0, 10), button: 0,
      table: [] }[kind];
  const widget = (kind) => (a, b) => {
    const o = (kind === "table" ? b : a) ?? {};
    const shown = widgetQueue.shift();
    const value = shown ? shown.value : initial(kind, o);
    console.log((shown?.name ?? o.label ?? o.name ?? kind) + ": " + JSON.stringify(value));
    if (kind === "table") return { kind, value: value.map((i) => a[i]), selected: value };
    return { kind, value };
  };
  const ui = Object.fromEntries(["slider", "number", "select", "multiselect", "text",
    "checkbox", "date", "button", "table"].map((k) => [k, widget(k)]));
  Object.assign(globalThis, {
    ui,
    md: mark("markdown"),
    html: mark("html"),
    svg: mark("svg"),
    display: (v) => {
      if (v !== undefined) console.log(text(v));
    },
  });
  return {
    show: (_label, v) => {
      if (v !== undefined) console.log(text(v));
    },
    chdir: (dir) => {
      try {
        Deno.chdir(dir);
      } catch (err) {
        console.error("[strata] cannot enter the notebook folder " + dir + ": " + err.message);
      }
    },
    widgets: (values) => {
      widgetQueue = values;
    },
    defaults: (env) => {
      for (const [k, v] of Object.entries(env)) if (Deno.env.get(k) === undefined) Deno.env.set(k, v);
    },
  };
})();
`;
