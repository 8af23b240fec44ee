/** The job input that hands a cell its stored widget values (read by `ui` in the cell process). */
import { encodeValue } from "../executor/codecs.ts";
import type { EncodedValue } from "../executor/types.ts";
import { WIDGET_INPUT } from "./ui_child.ts";

export { WIDGET_INPUT };

/**
 * The widget input of a job: the stored values (`{[name]: value}`) of its cell and of the cells
 * it re-evaluates as code inputs (whose `ui.*` calls run again in this child), or undefined.
 * Names are the cells' variables, so they do not collide (one definer per name).
 */
export function widgetInput(
  widgets: ReadonlyMap<string, Readonly<Record<string, unknown>>> | undefined,
  cellIds: readonly string[],
): EncodedValue | undefined {
  const values: Record<string, unknown> = {};
  for (const id of cellIds) Object.assign(values, widgets?.get(id));
  if (Object.keys(values).length === 0) return undefined;
  const enc = encodeValue(WIDGET_INPUT, values);
  if (!enc.ok) throw new TypeError(`Cannot pass widget values to the cell: ${enc.message}`);
  return enc.value;
}
