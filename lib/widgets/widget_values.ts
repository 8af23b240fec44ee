/** Pure updates of a widget value map (cell id → widget name → value). */
import type { WidgetValues } from "./widget_model.ts";

/**
 * The map with one value set, or removed when `value` is undefined (the widget is back at the
 * value its source gives, so its cell's provenance is the one it had before it was ever moved).
 */
export function withWidgetValue(
  values: WidgetValues | undefined,
  cellId: string,
  name: string,
  value: unknown,
): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [id, v] of Object.entries(values ?? {})) out[id] = { ...v };
  const cell = out[cellId] ?? {};
  if (value === undefined) delete cell[name];
  else cell[name] = value;
  if (Object.keys(cell).length > 0) out[cellId] = cell;
  else delete out[cellId];
  return out;
}
