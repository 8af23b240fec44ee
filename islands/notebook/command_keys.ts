/**
 * Jupyter-style keys. In edit mode the cell editor has the keyboard (Shift+Enter runs and moves
 * on, Ctrl/Cmd+Enter runs in place, Esc leaves to command mode); in command mode single keys act
 * on the selected cell. One table drives both the key handling and the `?` help panel.
 */

/** What a key asks the notebook to do with the selected cell. */
export type NotebookCommand =
  | "edit"
  | "insertAbove"
  | "insertBelow"
  | "delete"
  | "undoDelete"
  | "selectNext"
  | "selectPrevious"
  | "toMarkdown"
  | "toCode"
  | "runAndNext"
  | "runInPlace"
  | "help";

/** The parts of a KeyboardEvent the mapping reads. */
export interface KeyInput {
  key: string;
  shiftKey?: boolean;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
}

/** The result of one key in command mode; `pending` is a first `d` waiting for the second. */
export interface KeyOutcome {
  command: NotebookCommand | null;
  pending: "d" | null;
}

/** Maps one key press in command mode to a command. */
export function readCommandKey(e: KeyInput, pending: "d" | null): KeyOutcome {
  const mod = e.ctrlKey || e.metaKey;
  if (e.key === "Enter") {
    if (mod) return { command: "runInPlace", pending: null };
    if (e.shiftKey) return { command: "runAndNext", pending: null };
    return { command: e.altKey ? null : "edit", pending: null };
  }
  if (mod || e.altKey) return { command: null, pending: null };
  switch (e.key) {
    case "d":
      return pending === "d"
        ? { command: "delete", pending: null }
        : { command: null, pending: "d" };
    case "a":
      return { command: "insertAbove", pending: null };
    case "b":
      return { command: "insertBelow", pending: null };
    case "z":
      return { command: "undoDelete", pending: null };
    case "j":
    case "ArrowDown":
      return { command: "selectNext", pending: null };
    case "k":
    case "ArrowUp":
      return { command: "selectPrevious", pending: null };
    case "m":
      return { command: "toMarkdown", pending: null };
    case "y":
      return { command: "toCode", pending: null };
    case "?":
      return { command: "help", pending: null };
    default:
      return { command: null, pending: null };
  }
}

/** One row of the help panel. */
export interface KeyHelp {
  keys: string[];
  does: string;
}

/** The keys of each mode, for the `?` panel. */
export const KEY_HELP: { mode: string; rows: KeyHelp[] }[] = [
  {
    mode: "While editing a cell",
    rows: [
      { keys: ["Shift", "Enter"], does: "Run the cell and move to the next (adds one at the end)" },
      { keys: ["Ctrl/⌘", "Enter"], does: "Run the cell and stay" },
      { keys: ["Ctrl/⌘", "S"], does: "Save now (edits also save when you pause)" },
      { keys: ["Esc"], does: "Leave the editor (command mode)" },
    ],
  },
  {
    mode: "Command mode (press Esc first)",
    rows: [
      { keys: ["Enter"], does: "Edit the selected cell" },
      { keys: ["Shift", "Enter"], does: "Run the selected cell and select the next" },
      { keys: ["Ctrl/⌘", "Enter"], does: "Run the selected cell" },
      { keys: ["j"], does: "Select the next cell (also ↓)" },
      { keys: ["k"], does: "Select the previous cell (also ↑)" },
      { keys: ["a"], does: "Insert a code cell above" },
      { keys: ["b"], does: "Insert a code cell below" },
      { keys: ["d", "d"], does: "Delete the selected cell" },
      { keys: ["z"], does: "Undo the last delete" },
      { keys: ["m"], does: "Make the cell Markdown" },
      { keys: ["y"], does: "Make the cell code" },
      { keys: ["?"], does: "Show or hide this list" },
      { keys: ["Esc"], does: "Close this list or a side panel" },
    ],
  },
];

/** True when the key event belongs to a text field or an editor, not to command mode. */
export function isTypingTarget(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || typeof el.closest !== "function") return false;
  return el.closest("input, textarea, select, [contenteditable=''], [contenteditable='true']") !==
    null;
}
