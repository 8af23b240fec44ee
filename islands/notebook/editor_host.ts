/**
 * The seam between cells and CodeMirror. Cells render a plain <pre> on the server and on the first
 * client render (so hydration matches and nothing shifts); the editor module, loaded lazily in the
 * browser, then mounts CodeMirror in its place through this interface.
 */

/** A mounted cell editor. */
export interface CellEditor {
  getText(): string;
  /** Replaces the text (an edit made elsewhere), keeping undo history. */
  setText(text: string): void;
  focus(): void;
  /** Highlights a 1-based line of the cell (an error), or clears it with null. */
  setErrorLine(line: number | null): void;
  destroy(): void;
}

/** What a cell gives the editor. */
export interface EditorOptions {
  parent: HTMLElement;
  doc: string;
  language: "typescript" | "markdown" | "prompt";
  /** Accessible label of the editing area. */
  label: string;
  onChange(text: string): void;
  /** Mod+Enter: run in place. */
  onRun(): void;
  /** Shift+Enter: run, then move to the next cell. */
  onRunNext(): void;
  /** Mod+S. */
  onSave(): void;
  onBlur(): void;
  /** Escape: leave the editor for command mode (markdown cells render). */
  onEscape(): void;
}

/** The editor module's export. */
export type CreateEditor = (options: EditorOptions) => CellEditor;
