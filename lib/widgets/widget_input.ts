/** The job input that hands a cell its stored widget values (read by `ui` in the cell process). */
import { encodeValue } from "../executor/codecs.ts";
import type { EncodedValue } from "../executor/types.ts";
import { WIDGET_INPUT } from "./ui_child.ts";

export { WIDGET_INPUT };

/** Encodes a cell's widget values (`{[name]: value}`) as its widget input. */
export function widgetInput(values: Readonly<Record<string, unknown>>): EncodedValue {
  const enc = encodeValue(WIDGET_INPUT, { ...values });
  if (!enc.ok) throw new TypeError(`Cannot pass widget values to the cell: ${enc.message}`);
  return enc.value;
}
