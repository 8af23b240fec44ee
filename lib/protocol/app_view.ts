/**
 * App mode on the wire: what `app.open`, `app.run` and `app.set_widget` answer and the app page
 * hydrates from. No code and no console: a reader sees markdown, displays and widgets.
 */
import type { Display } from "./notebook_state.ts";

/** One cell as an app shows it. */
export interface AppCellView {
  id: string;
  kind: "markdown" | "output";
  /** Markdown cells: their source (rendered by the page). */
  markdown?: string;
  /** Output cells: their displays (widgets included), empty until computed. */
  displays: Display[];
  /** Why the cell failed (kind and message only). */
  error: { kind: string; message: string } | null;
  /** False until a result exists for this viewer's widget values. */
  computed: boolean;
  /** The shown result came from the content-addressed cache. */
  cacheHit: boolean;
}

/** The whole app for one viewer. */
export interface AppView {
  path: string;
  name: string;
  cells: AppCellView[];
  /** Cells of the last run (app.run / app.set_widget): which were cache hits. */
  run?: { cellId: string; status: "ready" | "error"; cacheHit: boolean }[];
}
