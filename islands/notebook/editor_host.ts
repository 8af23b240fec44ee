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
  /** Shows type warnings (squiggles) made for `source`; ignored when the text has moved on. */
  setTypeWarnings?(source: string, warnings: TypeWarning[]): void;
  /** Puts the cursor on a 1-based line/column and scrolls it into view. */
  revealLine?(line: number, column: number): void;
  destroy(): void;
}

/** A type warning of a cell (cell diagnostics with `source: "types"`). */
export interface TypeWarning {
  line: number;
  column: number;
  /** End of the span (exclusive column); absent: the word at line/column. */
  endLine?: number;
  endColumn?: number;
  message: string;
}

/**
 * The language service as the editor reaches it (issue 15). Each call sends the editor's current
 * text; an answer that arrives after the text changed is dropped by the editor.
 */
export interface TypeAssist {
  complete(
    source: string,
    offset: number,
  ): Promise<{ items: { label: string; kind: string; detail?: string }[]; from: number } | null>;
  hover(source: string, offset: number): Promise<string | null>;
  definition(
    source: string,
    offset: number,
  ): Promise<{ cellId: string; line: number; column: number } | null>;
  /** Shows a definition: focuses its cell and line. */
  goTo(target: { cellId: string; line: number; column: number }): void;
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
  /** Completions, hovers and go-to-definition for code cells (absent: none). */
  types?: TypeAssist;
  /**
   * Called once the editor is in the page. An editor is made when its cell comes within a
   * viewport's height of the visible part of the page, or at once when it is focused or shown a
   * line; editors made in one turn are put in the page together, before the browser paints.
   */
  onMounted?(): void;
}

/** The editor module's export. */
export type CreateEditor = (options: EditorOptions) => CellEditor;
