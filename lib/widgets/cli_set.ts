/**
 * `strata run <dir> --set n=5`: sets a widget by its name before the run. The widget is found by
 * the variable its cell defines; its spec is the cell's last widget display (the cell runs first
 * when it has none). The value is JSON when it parses (`5`, `true`, `["a"]`), else a string.
 */
import { NotFoundError, ValidationError } from "../errors.ts";
import type { NotebookSession } from "../session/notebook_session.ts";
import { findWidgetSpec, valueToStore } from "./widget_specs.ts";

/** A parsed `name=value` assignment. */
export interface WidgetAssignment {
  name: string;
  value: unknown;
}

/** Parses `name=value`; ValidationError on anything else. */
export function parseAssignment(text: string): WidgetAssignment {
  const m = /^([A-Za-z_$][\w$]*)=(.*)$/s.exec(text);
  if (!m) {
    throw new ValidationError(`Invalid --set '${text}': expected name=value, e.g. --set n=5`);
  }
  let value: unknown = m[2];
  try {
    value = JSON.parse(m[2]);
  } catch { /* a plain string */ }
  return { name: m[1], value };
}

/** Sets a widget of the session by name (validated); returns the defining cell's id. */
export async function setWidgetByName(
  session: NotebookSession,
  assignment: WidgetAssignment,
): Promise<string> {
  const definers = session.state().cells.filter((c) => c.defines.includes(assignment.name));
  if (definers.length !== 1) {
    throw new NotFoundError(
      definers.length === 0
        ? `Cannot set '${assignment.name}': no cell defines it`
        : `Cannot set '${assignment.name}': several cells define it`,
    );
  }
  const cellId = definers[0].id;
  let displays = definers[0].outputs?.current ? definers[0].outputs.displays : undefined;
  if (!displays) {
    await session.execute(cellId);
    displays = session.state().cells.find((c) => c.id === cellId)?.outputs?.displays;
  }
  const spec = findWidgetSpec(displays, { cellId, name: assignment.name });
  await session.setWidgetValue(cellId, assignment.name, valueToStore(spec, assignment.value));
  return cellId;
}
