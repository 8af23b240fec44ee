/**
 * Browser module: type-aware editing for CodeMirror cell editors (issue 15). Completion popup
 * (Ctrl+Space, and when `.` is typed; typing on filters it), hover tooltips, squiggles for type warnings and
 * go-to-definition (F12 or Ctrl/Cmd+click) of upstream names, all answered by the server's
 * language service through `TypeAssist`. An answer is dropped when the text changed while it was
 * on its way. Kept apart from editor.ts, which only adds `typeAssist(...)` to its extensions.
 */
import {
  autocompletion,
  type Completion,
  type CompletionContext,
  type CompletionResult,
  startCompletion,
} from "@codemirror/autocomplete";
import { type Diagnostic, setDiagnostics } from "@codemirror/lint";
import type { Extension } from "@codemirror/state";
import { EditorView, hoverTooltip, keymap, ViewPlugin, type ViewUpdate } from "@codemirror/view";
import type { TypeAssist, TypeWarning } from "../notebook/editor_host.ts";

/** The CodeMirror extensions of type-aware editing. */
export function typeAssist(assist: TypeAssist): Extension[] {
  return [
    autocompletion({
      override: [completionSource(assist)],
      // Not on every keystroke: a pending query would swallow the Escape that leaves the editor
      // (command mode). Typing "." opens it (below); Ctrl+Space asks anywhere.
      activateOnTyping: false,
      icons: true,
      maxRenderedOptions: 200,
    }),
    completeAfterDot,
    hoverTooltip(hoverSource(assist), { hoverTime: 350 }),
    keymap.of([{
      key: "F12",
      run: (view) => goToDefinition(assist, view, view.state.selection.main.head),
    }]),
    EditorView.domEventHandlers({
      mousedown(event, view) {
        if (!(event.ctrlKey || event.metaKey) || event.button !== 0) return false;
        const pos = view.posAtCoords({ x: event.clientX, y: event.clientY });
        if (pos === null) return false;
        event.preventDefault();
        return goToDefinition(assist, view, pos);
      },
    }),
    hoverTheme,
  ];
}

/**
 * The hover tooltip's style, made once: a theme made per editor is a new style module each time,
 * and CodeMirror rewrites the page's whole style sheet for every new one, so the browser restyled
 * the whole page once per editor mounted (a 300-cell notebook took 11 s to get its editors).
 */
const hoverTheme = EditorView.baseTheme({
  ".cm-type-hover": {
    margin: "0",
    padding: "4px 8px",
    maxWidth: "560px",
    maxHeight: "280px",
    overflow: "auto",
    whiteSpace: "pre-wrap",
    font: "12px/1.45 ui-monospace, SFMono-Regular, Menlo, monospace",
  },
});

/** Opens the completion popup when the user types a ".". */
const completeAfterDot = ViewPlugin.define((view) => ({
  update(u: ViewUpdate) {
    const typedDot = u.transactions.some((tr) => {
      if (!tr.isUserEvent("input.type")) return false;
      let dot = false;
      tr.changes.iterChanges((_a, _b, _c, _d, inserted) => {
        if (inserted.toString().endsWith(".")) dot = true;
      });
      return dot;
    });
    // A view cannot be updated from inside its update: open it right after.
    if (typedDot) queueMicrotask(() => startCompletion(view));
  },
}));

/** Replaces the editor's type squiggles, when its text is still the one they were made for. */
export function showTypeWarnings(view: EditorView, source: string, warnings: TypeWarning[]): void {
  const doc = view.state.doc;
  if (doc.toString() !== source) return;
  // Every state update re-sends the warnings; re-setting equal ones would close an open tooltip.
  const key = JSON.stringify([source, warnings]);
  if (shown.get(view) === key) return;
  shown.set(view, key);
  const list: Diagnostic[] = [];
  const at = (line: number, column: number) => {
    const l = doc.line(line);
    return Math.min(l.from + Math.max(0, column - 1), l.to);
  };
  for (const w of warnings) {
    if (w.line < 1 || w.line > doc.lines) continue;
    const from = at(w.line, w.column);
    const line = doc.line(w.line);
    const to = w.endLine && w.endColumn && w.endLine <= doc.lines
      ? Math.max(from, at(w.endLine, w.endColumn))
      : wordEnd(line.text, from - line.from) + line.from;
    list.push({ from, to, severity: "warning", message: w.message, source: "types" });
  }
  view.dispatch(setDiagnostics(view.state, list));
}

const shown = new WeakMap<EditorView, string>();

/** Puts the cursor on a 1-based line/column and scrolls it into view. */
export function revealLine(view: EditorView, line: number, column: number): void {
  const doc = view.state.doc;
  const l = doc.line(Math.max(1, Math.min(line, doc.lines)));
  const pos = Math.min(l.from + Math.max(0, column - 1), l.to);
  view.dispatch({
    selection: { anchor: pos },
    effects: EditorView.scrollIntoView(pos, { y: "center" }),
  });
  view.focus();
}

function completionSource(assist: TypeAssist) {
  return async function typeCompletions(ctx: CompletionContext): Promise<CompletionResult | null> {
    const word = ctx.matchBefore(/[\w$]*/);
    const from = word?.from ?? ctx.pos;
    const afterDot = from > 0 && ctx.state.sliceDoc(from - 1, from) === ".";
    if (!ctx.explicit && !afterDot) return null;
    const source = ctx.state.doc.toString();
    let answer;
    try {
      answer = await assist.complete(source, ctx.pos);
    } catch {
      return null;
    }
    // Stale: the text changed (CodeMirror asks again for the new text).
    if (!answer || ctx.aborted || (ctx.view && ctx.view.state.doc.toString() !== source)) {
      return null;
    }
    return {
      from: answer.from,
      options: answer.items.map((i): Completion => ({
        label: i.label,
        type: completionType(i.kind),
        detail: i.detail,
        boost: i.kind === "upstream" ? 10 : undefined,
      })),
      validFor: /^[\w$]*$/,
    };
  };
}

function hoverSource(assist: TypeAssist) {
  return async function typeHover(view: EditorView, pos: number) {
    const source = view.state.doc.toString();
    let text: string | null;
    try {
      text = await assist.hover(source, pos);
    } catch {
      return null;
    }
    if (!text || view.state.doc.toString() !== source) return null;
    return {
      pos,
      above: true,
      create() {
        const dom = document.createElement("pre");
        dom.className = "cm-type-hover";
        dom.textContent = text;
        return { dom };
      },
    };
  };
}

function goToDefinition(assist: TypeAssist, view: EditorView, pos: number): boolean {
  const source = view.state.doc.toString();
  assist.definition(source, pos).then((target) => {
    if (target && view.state.doc.toString() === source) assist.goTo(target);
  }).catch(() => {});
  return true;
}

/** CodeMirror's completion icon names for TypeScript's element kinds. */
function completionType(kind: string): string {
  switch (kind) {
    case "method":
    case "function":
    case "local function":
    case "constructor":
      return "function";
    case "property":
    case "getter":
    case "setter":
      return "property";
    case "class":
    case "local class":
      return "class";
    case "interface":
    case "type":
    case "type parameter":
    case "primitive type":
      return "type";
    case "enum":
      return "enum";
    case "keyword":
      return "keyword";
    case "module":
      return "namespace";
    case "const":
      return "constant";
    default:
      return "variable";
  }
}

function wordEnd(text: string, at: number): number {
  let i = at;
  while (i < text.length && /[\w$]/.test(text[i])) i++;
  return i > at ? i : Math.min(at + 1, text.length);
}
