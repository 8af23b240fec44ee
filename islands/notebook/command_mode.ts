/**
 * Command mode: what each command does to the notebook (`runCommand`, pure over a small target,
 * so it is unit-tested) and the document key listener that feeds it (`useCommandKeys`).
 */
import { useEffect } from "preact/hooks";
import type { CellLanguage, CellView } from "../../lib/protocol/notebook_state.ts";
import { isTypingTarget, type NotebookCommand, readCommandKey } from "./command_keys.ts";

/** Where focus goes: a cell's editor (edit mode) or the cell box (command mode). */
export type FocusInto = "editor" | "box";

/** The notebook operations commands use. */
export interface CommandTarget {
  cells: readonly CellView[];
  /** The selected cell id, if it still exists. */
  selected: string | null;
  addCell(after: string | null, language: CellLanguage, into: FocusInto): void;
  focusCell(id: string, into: FocusInto): void;
  removeCell(id: string): void;
  undoDelete(): void;
  switchLanguage(id: string, language: CellLanguage): void;
  runCell(id: string): void;
  runNext(id: string, into: FocusInto): void;
  toggleHelp(): void;
}

/** Carries out one command on the selected cell (insert, move and help work without one). */
export function runCommand(cmd: NotebookCommand, t: CommandTarget): void {
  const { cells } = t;
  const id = t.selected && cells.some((c) => c.id === t.selected) ? t.selected : null;
  const at = id ? cells.findIndex((c) => c.id === id) : -1;
  switch (cmd) {
    case "help":
      return t.toggleHelp();
    case "insertAbove":
      return t.addCell(at > 0 ? cells[at - 1].id : null, "typescript", "box");
    case "insertBelow":
      return t.addCell(id ?? cells.at(-1)?.id ?? null, "typescript", "box");
    case "undoDelete":
      return t.undoDelete();
    case "selectNext":
    case "selectPrevious": {
      const step = cmd === "selectNext" ? 1 : -1;
      const to = at < 0 ? (step === 1 ? 0 : cells.length - 1) : at + step;
      if (cells[to]) t.focusCell(cells[to].id, "box");
      return;
    }
  }
  if (!id) return;
  switch (cmd) {
    case "edit":
      return t.focusCell(id, "editor");
    case "delete":
      return t.removeCell(id);
    case "toMarkdown":
      return t.switchLanguage(id, "markdown");
    case "toCode":
      return t.switchLanguage(id, "typescript");
    case "runInPlace":
      return t.runCell(id);
    case "runAndNext":
      return t.runNext(id, "box");
  }
}

/** Options of useCommandKeys. */
export interface CommandKeysOptions {
  /** The current target (read at each key press). */
  target(): CommandTarget;
  /** Esc outside an editor: closes the help list, else the side panel. */
  onEscape(): void;
}

/** Listens for command-mode keys on the document while the page is mounted. */
export function useCommandKeys(options: CommandKeysOptions): void {
  useEffect(() => {
    let pending: "d" | null = null;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        // An editor that handled Esc (leaving edit mode) marks the event; the panels stay open.
        if (!e.defaultPrevented) options.onEscape();
        pending = null;
        return;
      }
      const el = e.target as HTMLElement | null;
      if (e.defaultPrevented || isTypingTarget(el)) return;
      // Buttons and links keep Enter and Space; panels and dialogs keep everything but `?`.
      if (el?.closest?.("button, a, summary") && !/^[a-z?]$/.test(e.key)) return;
      if (el?.closest?.(".panel, .modal") && e.key !== "?") return;
      const r = readCommandKey(e, pending);
      pending = r.pending;
      if (!r.command) return;
      e.preventDefault();
      runCommand(r.command, options.target());
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);
}
