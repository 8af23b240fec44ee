/** Finding a widget's spec: it is the `widget` display its defining cell last showed. */
import { NotFoundError, ValidationError } from "../errors.ts";
import type { DisplayOutput } from "../executor/types.ts";
import { checkWidgetValue, sameWidgetValue, type WidgetSpec } from "../protocol/widget.ts";

/** The widget specs among a cell's displays. */
export function widgetSpecs(displays: readonly DisplayOutput[] | undefined): WidgetSpec[] {
  return (displays ?? []).flatMap((d) => d.type === "widget" ? [d.data] : []);
}

/** The spec of widget `name` among a cell's displays; NotFoundError naming what exists. */
export function findWidgetSpec(
  displays: readonly DisplayOutput[] | undefined,
  where: { cellId: string; name: string },
): WidgetSpec {
  const specs = widgetSpecs(displays);
  const spec = specs.find((s) => s.name === where.name);
  if (spec) return spec;
  const known = specs.map((s) => `'${s.name}'`).join(", ");
  throw new NotFoundError(
    `Cell '${where.cellId}' has no widget '${where.name}'${
      displays === undefined
        ? " (the cell has not run yet; run it first)"
        : known
        ? ` (its widgets: ${known})`
        : " (it displays no widget)"
    }`,
  );
}

/**
 * The value to store for a widget: validated against its spec (ValidationError naming the
 * widget and the allowed range), or undefined when it equals the source's value (stored as
 * nothing, so the cell's provenance is the one it had before the widget moved).
 */
export function valueToStore(spec: WidgetSpec, value: unknown): unknown {
  if (value === undefined) {
    throw new ValidationError(`Invalid body: 'value' is required to set widget '${spec.name}'`);
  }
  const check = checkWidgetValue(spec, value);
  if (!check.ok) throw new ValidationError(check.message);
  return sameWidgetValue(check.value, spec.initial) ? undefined : check.value;
}
