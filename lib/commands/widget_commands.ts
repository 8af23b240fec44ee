/**
 * `widget.set {sid, cellId, name, value}`: moves a widget of an open notebook. The value is
 * validated against the widget's spec (the cell's last `widget` display), stored in
 * `.strata/runtime.json` (never notebook.toml), and the defining cell runs again with its
 * dependents (reactive runs, unless the notebook is lazy). The value is part of the defining
 * cell's provenance, so values seen before are cache hits all the way down.
 */
import { z } from "zod";
import type { NotebookSession } from "../session/notebook_session.ts";
import { findWidgetSpec, valueToStore } from "../widgets/widget_specs.ts";
import { defineCommand } from "./command.ts";
import { cellId, sessionTarget, sid } from "./_targets.ts";

/** A widget name: the variable it is bound to. */
export const widgetName = z.string().min(1).max(128);

/** Sets a widget value and re-runs its cell and the cells downstream. */
export const widgetSet = defineCommand({
  name: "widget.set",
  description: "Set a widget's value (validated against the widget) and re-run its dependents",
  scope: "notebook:execute",
  input: z.object({ sid, cellId, name: widgetName, value: z.unknown() }),
  qos: "interactive",
  audit: "widget.set",
  resolve: (input, ctx) => sessionTarget(input.sid, ctx),
  async run(s: NotebookSession, input, ctx) {
    const cell = s.state().cells.find((c) => c.id === input.cellId);
    const spec = findWidgetSpec(cell?.outputs?.displays, input);
    await s.setWidgetValue(input.cellId, input.name, valueToStore(spec, input.value));
    // Running the cell re-runs its dependents as the notebook's `on_change` says (reactive runs).
    const run = await s.execute(input.cellId, "normal", ctx.caller.identity.principal);
    return { run, state: s.state() };
  },
  // The widget and cell, never the value (a text widget may hold anything).
  auditWith: (_s, input) => ({ details: { cellId: input.cellId, widget: input.name } }),
});
