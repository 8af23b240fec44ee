/**
 * Browser-side helpers around the wire types (lib/protocol/): page props that are not part of the
 * session state, and labels and durations formatted for people.
 */
import type { CellView } from "../protocol/notebook_state.ts";

/** A discovered notebook (home page). */
export interface NotebookListing {
  name: string;
  path: string;
  owner: string | null;
  notebookId: string;
  updatedAt: string;
  cells: number;
}

/** Asset URLs an island needs at run time. */
export interface IslandUrls {
  /** CodeMirror editor module. */
  editor: string;
  /** dagre layout module. */
  dagLayout: string;
}

/** A short label for a cell: its @name, its definitions, or its first line. */
export function cellLabel(cell: CellView, index: number): string {
  if (cell.name) return cell.name;
  if (cell.defines.length) return cell.defines.slice(0, 3).join(", ");
  const first = cell.source.split("\n").find((l) => l.trim() && !l.trim().startsWith("//"))?.trim();
  return first ? (first.length > 28 ? `${first.slice(0, 27)}…` : first) : `cell ${index + 1}`;
}

/** Formats a duration in ms for people: "0.8 ms", "42 ms", "1.2 s", "2 m 5 s". */
export function formatDuration(ms: number): string {
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} m ${Math.round((ms % 60_000) / 1000)} s`;
}
