/**
 * The `ui` global of the cell process: `ui.slider({...})` and friends return plain objects with a
 * `.value` and display themselves as a `widget` output. The value is the one the server stored
 * for this cell and widget name (passed in as the job input {@link WIDGET_INPUT}), else the
 * source's `value`. The name is the variable the call is bound to (`const n = ui.slider(...)`),
 * read from the call site, or the `name` option.
 */
import { checkWidgetValue, type WidgetOption, type WidgetSpec } from "../protocol/widget.ts";

/** The job input carrying the defining cell's stored widget values (`{[name]: value}`). */
export const WIDGET_INPUT = "__strata_widgets";

const DISPLAY = Symbol.for("strata.display");
const MAX_TABLE_ROWS = 1000;

/** What a `ui.*` call returns in the cell: plain data (it travels to other cells as a value). */
export interface Widget {
  kind: WidgetSpec["kind"];
  name: string;
  label?: string;
  value: unknown;
  /** Table widgets: the selected row indices. */
  selected?: number[];
}

interface Common {
  label?: string;
  /** The name values are stored under. @default the variable the widget is assigned to */
  name?: string;
}

/** The current job's scope (inputs by name), or undefined outside a job. */
export type ScopeOf = () => Record<string, unknown> | undefined;

/** Builds the `ui` object; `scope` reads the running job's inputs. */
export function createUi(scope: ScopeOf) {
  const counters = new WeakMap<object, number>();

  function make(
    kind: WidgetSpec["kind"],
    opts: Common & { value?: unknown },
    fields: Partial<WidgetSpec>,
    initial: unknown,
  ): WidgetSpec {
    const s = scope();
    const index = s ? (counters.get(s) ?? 0) : 0;
    if (s) counters.set(s, index + 1);
    const name = opts.name ?? callSiteName() ?? `${kind}_${index + 1}`;
    const spec: WidgetSpec = {
      kind,
      name,
      ...(opts.label !== undefined ? { label: String(opts.label) } : {}),
      ...fields,
      value: initial,
      initial,
    };
    const check = checkWidgetValue(spec, initial);
    if (!check.ok) throw new TypeError(`ui.${kind}: ${check.message}`);
    const stored = (s?.[WIDGET_INPUT] as Record<string, unknown> | undefined)?.[name];
    if (stored !== undefined) {
      const c = checkWidgetValue(spec, stored);
      if (c.ok) spec.value = c.value;
    }
    const show = (globalThis as { display?: (v: unknown) => void }).display;
    show?.({ [DISPLAY]: { type: "widget", data: spec } });
    return spec;
  }

  function widget(spec: WidgetSpec, value = spec.value): Widget {
    return {
      kind: spec.kind,
      name: spec.name,
      ...(spec.label !== undefined ? { label: spec.label } : {}),
      value,
    };
  }

  return {
    /** A range slider; `.value` is a number. */
    slider(o: Common & { min: number; max: number; step?: number; value?: number }): Widget {
      numbers(o, "slider", true);
      // Like an HTML range: step 1 between whole numbers, else a hundredth of the range.
      const step = o.step ??
        (Number.isInteger(o.min) && Number.isInteger(o.max) ? 1 : (o.max - o.min) / 100);
      return widget(make("slider", o, range({ ...o, step }), o.value ?? o.min));
    },
    /** A number field; `.value` is a number. */
    number(o: Common & { min?: number; max?: number; step?: number; value?: number }): Widget {
      numbers(o, "number", false);
      return widget(make("number", o, range(o), o.value ?? o.min ?? 0));
    },
    /** A drop-down; `.value` is one of `options`. */
    select(o: Common & { options: WidgetOption[]; value?: WidgetOption }): Widget {
      const options = optionList(o.options, "select");
      return widget(make("select", o, { options }, o.value ?? options[0]));
    },
    /** Several choices; `.value` is a list of options. */
    multiselect(o: Common & { options: WidgetOption[]; value?: WidgetOption[] }): Widget {
      const options = optionList(o.options, "multiselect");
      return widget(make("multiselect", o, { options }, o.value ?? []));
    },
    /** A text field; `.value` is a string. */
    text(o: Common & { value?: string; placeholder?: string } = {}): Widget {
      const fields = o.placeholder !== undefined ? { placeholder: String(o.placeholder) } : {};
      return widget(make("text", o, fields, o.value ?? ""));
    },
    /** A checkbox; `.value` is a boolean. */
    checkbox(o: Common & { value?: boolean } = {}): Widget {
      return widget(make("checkbox", o, {}, o.value ?? false));
    },
    /** A date picker; `.value` is `YYYY-MM-DD`. */
    date(o: Common & { value?: string; min?: string; max?: string } = {}): Widget {
      const fields: Partial<WidgetSpec> = {};
      if (o.min !== undefined) fields.min = o.min;
      if (o.max !== undefined) fields.max = o.max;
      return widget(make("date", o, fields, o.value ?? new Date().toISOString().slice(0, 10)));
    },
    /** A button; `.value` counts its clicks. */
    button(o: Common & { value?: number } = {}): Widget {
      return widget(make("button", { ...o, label: o.label ?? "Click" }, {}, o.value ?? 0));
    },
    /** A table whose rows can be selected; `.value` is the selected rows. */
    table(
      rows: Record<string, unknown>[],
      o: Common & { selection?: "single" | "multi"; value?: number[] } = {},
    ): Widget {
      if (!Array.isArray(rows)) throw new TypeError("ui.table: rows must be an array of objects");
      const shown = rows.slice(0, MAX_TABLE_ROWS);
      const columns = [...new Set(shown.flatMap((r) => Object.keys(r ?? {})))];
      const cells = shown.map((r) => columns.map((c) => cell((r ?? {})[c])));
      const spec = make("table", o, {
        columns,
        rows: cells,
        selection: o.selection ?? "multi",
      }, o.value ?? []);
      const selected = spec.value as number[];
      return { ...widget(spec, selected.map((i) => rows[i])), selected };
    },
  };
}

function range(o: { min?: number; max?: number; step?: number }): Partial<WidgetSpec> {
  const f: Partial<WidgetSpec> = {};
  if (o.min !== undefined) f.min = o.min;
  if (o.max !== undefined) f.max = o.max;
  if (o.step !== undefined) f.step = o.step;
  return f;
}

function numbers(
  o: { min?: unknown; max?: unknown; step?: unknown },
  kind: string,
  required: boolean,
): void {
  for (const k of ["min", "max", "step"] as const) {
    const v = o?.[k];
    if (v === undefined && !(required && k !== "step")) continue;
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new TypeError(`ui.${kind}: '${k}' must be a finite number, got ${String(v)}`);
    }
  }
  if (typeof o.min === "number" && typeof o.max === "number" && o.min > o.max) {
    throw new TypeError(`ui.${kind}: min (${o.min}) is greater than max (${o.max})`);
  }
  if (typeof o.step === "number" && o.step <= 0) {
    throw new TypeError(`ui.${kind}: step must be positive, got ${o.step}`);
  }
}

function optionList(options: unknown, kind: string): WidgetOption[] {
  if (!Array.isArray(options) || options.length === 0) {
    throw new TypeError(`ui.${kind}: 'options' must be a non-empty array`);
  }
  for (const o of options) {
    if (!["string", "number", "boolean"].includes(typeof o)) {
      throw new TypeError(`ui.${kind}: options must be strings, numbers or booleans`);
    }
  }
  return options as WidgetOption[];
}

function cell(v: unknown): unknown {
  if (v === null || ["string", "number", "boolean"].includes(typeof v)) return v;
  if (v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

const sourceCache = new Map<string, string[]>();

/**
 * The code of a cell the runner compiled without writing a module file (issue 20), under the URL
 * its stack frames name: read here instead of from the file.
 */
export function rememberCellSource(url: string, code: string): void {
  sourceCache.set(url, code.split("\n"));
}

/**
 * The variable a `ui.*` call is assigned to, read from the caller's line in the cell module:
 * `const n = ui.slider(` gives "n". Undefined when the call is not a plain assignment.
 */
function callSiteName(): string | undefined {
  const stack = new Error().stack ?? "";
  const frame = stack.split("\n").find((l) => /\/cell_\d+\.[jt]s:\d+:\d+/.test(l));
  const m = frame && /(file:\/\/[^\s)]+\/cell_\d+\.[jt]s):(\d+):(\d+)/.exec(frame);
  if (!m) return undefined;
  let lines = sourceCache.get(m[1]);
  if (!lines) {
    try {
      lines = Deno.readTextFileSync(new URL(m[1])).split("\n");
    } catch {
      return undefined;
    }
    sourceCache.set(m[1], lines);
  }
  const before = (lines[Number(m[2]) - 1] ?? "").slice(0, Number(m[3]) + 40);
  const found = [
    ...before.matchAll(/([A-Za-z_$][\w$]*)\s*=\s*(?:await\s+)?ui\s*\.\s*[a-z]+\s*\(/g),
  ];
  return found.at(-1)?.[1];
}
