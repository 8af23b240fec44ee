/**
 * Widgets as data: the spec a cell's `ui.*` call displays (a display of type `widget`), and the
 * one validation of a value against it. Shared by the cell process (which applies a stored value),
 * the server (which refuses a bad value with a 400) and the islands (which render the control).
 */

/** Every widget kind `ui` makes. */
export const WIDGET_KINDS = [
  "slider",
  "number",
  "select",
  "multiselect",
  "text",
  "checkbox",
  "date",
  "button",
  "table",
] as const;

/** A widget kind. */
export type WidgetKind = typeof WIDGET_KINDS[number];

/** A choice of a select or multiselect. */
export type WidgetOption = string | number | boolean;

/**
 * What a widget display carries. `value` is the current value as stored (for a table: the
 * selected row indices); `initial` is the value the cell's source gives, which a stored value
 * equal to it is dropped for (so returning to it is the same provenance as never moving it).
 */
export interface WidgetSpec {
  kind: WidgetKind;
  /** The variable the cell binds it to (`const n = ui.slider(...)` → "n"), or `name:` given. */
  name: string;
  label?: string;
  value: unknown;
  initial: unknown;
  min?: number | string;
  max?: number | string;
  step?: number;
  options?: WidgetOption[];
  placeholder?: string;
  /** Table widgets: the columns and (at most 1000) rows shown, and how many may be selected. */
  columns?: string[];
  rows?: unknown[][];
  selection?: "single" | "multi";
}

/** The outcome of checking a value against a spec. */
export type WidgetCheck = { ok: true; value: unknown } | { ok: false; message: string };

/** Checks (and normalizes) a value for a widget; the message names the widget and what is allowed. */
export function checkWidgetValue(spec: WidgetSpec, value: unknown): WidgetCheck {
  const bad = (allowed: string): WidgetCheck => ({
    ok: false,
    message: `Invalid value ${show(value)} for widget '${spec.name}' (${spec.kind}): ${allowed}`,
  });
  switch (spec.kind) {
    case "slider":
    case "number": {
      const min = typeof spec.min === "number" ? spec.min : -Infinity;
      const max = typeof spec.max === "number" ? spec.max : Infinity;
      const range = `expected a number from ${spec.min ?? "-∞"} to ${spec.max ?? "∞"}${
        spec.step ? ` in steps of ${spec.step}` : ""
      }`;
      if (typeof value !== "number" || !Number.isFinite(value)) return bad(range);
      if (value < min || value > max) return bad(range);
      if (spec.step && Number.isFinite(min)) {
        const k = (value - min) / spec.step;
        if (Math.abs(k - Math.round(k)) > 1e-9) return bad(range);
      }
      return { ok: true, value };
    }
    case "select": {
      const options = spec.options ?? [];
      if (!options.some((o) => o === value)) return bad(`expected one of ${show(options)}`);
      return { ok: true, value };
    }
    case "multiselect": {
      const options = spec.options ?? [];
      const allowed = `expected a list of options from ${show(options)}`;
      if (!Array.isArray(value)) return bad(allowed);
      if (!value.every((v) => options.some((o) => o === v))) return bad(allowed);
      return { ok: true, value: [...new Set(value)] };
    }
    case "text":
      if (typeof value !== "string" || value.length > 100_000) {
        return bad("expected a string of at most 100000 characters");
      }
      return { ok: true, value };
    case "checkbox":
      if (typeof value !== "boolean") return bad("expected true or false");
      return { ok: true, value };
    case "date": {
      const allowed = `expected a date YYYY-MM-DD${spec.min ? ` from ${spec.min}` : ""}${
        spec.max ? ` to ${spec.max}` : ""
      }`;
      if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return bad(allowed);
      if (Number.isNaN(Date.parse(`${value}T00:00:00Z`))) return bad(allowed);
      if (typeof spec.min === "string" && value < spec.min) return bad(allowed);
      if (typeof spec.max === "string" && value > spec.max) return bad(allowed);
      return { ok: true, value };
    }
    case "button":
      if (!Number.isSafeInteger(value) || (value as number) < 0) {
        return bad("expected a click count (an integer of 0 or more)");
      }
      return { ok: true, value };
    case "table": {
      const n = spec.rows?.length ?? 0;
      const allowed = `expected a list of row indices from 0 to ${n - 1}${
        spec.selection === "single" ? " (at most one)" : ""
      }`;
      if (!Array.isArray(value)) return bad(allowed);
      if (!value.every((i) => Number.isSafeInteger(i) && i >= 0 && i < n)) return bad(allowed);
      if (spec.selection === "single" && value.length > 1) return bad(allowed);
      return { ok: true, value: [...new Set(value as number[])].sort((a, b) => a - b) };
    }
    default:
      return { ok: false, message: `Unknown widget kind '${String(spec.kind)}'` };
  }
}

/** True when two widget values are the same (JSON-equal; values are plain data). */
export function sameWidgetValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function show(value: unknown): string {
  try {
    const s = JSON.stringify(value);
    if (s === undefined) return String(value);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(value);
  }
}
