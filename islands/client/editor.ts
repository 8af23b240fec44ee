/**
 * Browser module: CodeMirror 6 cell editors (TypeScript or Markdown highlighting, undo history,
 * Shift+Enter to run and move on, Mod+Enter to run in place, Esc to leave, an error-line decoration). Loaded lazily by the notebook island.
 *
 * The CodeMirror core packages are pinned in deno.json to the versions @codemirror/lang-javascript
 * pulls in, so the bundle holds one copy of @codemirror/state. (The npm "codemirror" 6.65.x package
 * is CodeMirror 5, so it is not used.)
 */
import {
  Decoration,
  type DecorationSet,
  drawSelection,
  EditorView,
  keymap,
  lineNumbers,
} from "@codemirror/view";
import { EditorState, StateEffect, StateField } from "@codemirror/state";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { bracketMatching, indentOnInput, syntaxHighlighting } from "@codemirror/language";
import { classHighlighter } from "@lezer/highlight";
import { javascript } from "@codemirror/lang-javascript";
import { markdown } from "@codemirror/lang-markdown";
import type { CellEditor, EditorOptions, TypeWarning } from "../notebook/editor_host.ts";
import { revealLine, showTypeWarnings, typeAssist } from "./type_assist.ts";

const setErrorLine = StateEffect.define<number | null>();

const errorLineField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(deco, tr) {
    deco = deco.map(tr.changes);
    for (const e of tr.effects) {
      if (!e.is(setErrorLine)) continue;
      const line = e.value;
      if (line === null || line < 1 || line > tr.state.doc.lines) {
        deco = Decoration.none;
      } else {
        const at = tr.state.doc.line(line).from;
        deco = Decoration.set([
          Decoration.line({
            class: "cm-error-line",
            attributes: { "data-error-line": String(line) },
          }).range(at),
        ]);
      }
    }
    return deco;
  },
  provide: (f) => EditorView.decorations.from(f),
});

/** Editors made but not yet in the page: put there together (see attachSoon). */
let unattached: (() => void)[] = [];

/**
 * Runs `attach` after the current render, with every other editor made in it, and returns a
 * function that runs it at once instead (for an editor focused before that). An editor put in the
 * page one at a time made the next one's construction restyle the whole page (CodeMirror reads
 * `document.fonts.ready`, which brings styles up to date): a cost per editor that grew with the
 * page. Made detached, they read clean styles, and the page is restyled once.
 */
function attachSoon(attach: () => void): () => void {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    attach();
  };
  if (unattached.length === 0) {
    queueMicrotask(() => {
      const all = unattached;
      unattached = [];
      for (const f of all) {
        try {
          f();
        } catch (err) {
          queueMicrotask(() => { // reported as the page's error; the other editors still go in
            throw err;
          });
        }
      }
    });
  }
  unattached.push(once);
  return once;
}

/** What makes each editor still waiting to be near the viewport, by the element it watches. */
const waiting = new Map<Element, () => void>();
let nearView: IntersectionObserver | null | undefined;

/**
 * Runs `make` once `target` comes within a viewport's height of the visible part of the page (at
 * once where the browser has no IntersectionObserver), and returns a function that stops waiting.
 * A notebook's cells far from view keep their server-rendered source until then: with an editor
 * per cell, a page of 1,000 cells held its main thread for 1.7–1.9 s of long tasks to make them
 * (issue 20, docs/performance.md).
 */
function whenNearView(target: Element, make: () => void): () => void {
  if (nearView === undefined) {
    nearView = typeof IntersectionObserver === "function"
      ? new IntersectionObserver((entries) => {
        for (const e of entries) {
          if (!e.isIntersecting) continue;
          const f = waiting.get(e.target);
          waiting.delete(e.target);
          nearView?.unobserve(e.target);
          f?.();
        }
      }, { rootMargin: "100% 0px" })
      : null;
  }
  if (!nearView) {
    make();
    return () => {};
  }
  waiting.set(target, make);
  nearView.observe(target);
  return () => {
    if (waiting.delete(target)) nearView?.unobserve(target);
  };
}

/**
 * An editor for one cell. Its CodeMirror view is made when the cell comes near the viewport (or
 * is focused, or a line of it is shown): until then the cell shows its server-rendered source, and
 * what the page sets on the editor (text, error line, type warnings) is kept for the view.
 */
export function createEditor(options: EditorOptions): CellEditor {
  let view: EditorView | null = null;
  let attach = () => {};
  let doc = options.doc;
  let errorLine: number | null = null;
  let warnings: [string, TypeWarning[]] | null = null;
  let destroyed = false;
  const make = (): EditorView => {
    if (view) return view;
    const made = view = makeView(options, doc);
    if (errorLine !== null) made.dispatch({ effects: setErrorLine.of(errorLine) });
    if (warnings) showTypeWarnings(made, ...warnings);
    attach = attachSoon(() => {
      if (destroyed) return;
      options.parent.appendChild(made.dom);
      options.onMounted?.();
    });
    return made;
  };
  const stopWaiting = whenNearView(options.parent.parentElement ?? options.parent, make);
  const now = (): EditorView => {
    stopWaiting();
    const v = make();
    attach();
    return v;
  };
  return {
    getText: () => view ? view.state.doc.toString() : doc,
    setText(text) {
      if (!view) {
        doc = text;
        return;
      }
      if (text === view.state.doc.toString()) return;
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    focus() {
      now().focus();
    },
    setErrorLine(line) {
      errorLine = line;
      view?.dispatch({ effects: setErrorLine.of(line) });
    },
    setTypeWarnings(source, list) {
      warnings = [source, list];
      if (view) showTypeWarnings(view, source, list);
    },
    revealLine(line, column) {
      revealLine(now(), line, column);
    },
    destroy() {
      destroyed = true;
      stopWaiting();
      view?.destroy();
    },
  };
}

/** The CodeMirror view of a cell's editor, not yet in the page. */
function makeView(options: EditorOptions, doc: string): EditorView {
  const run = () => {
    options.onRun();
    return true;
  };
  const runNext = () => {
    options.onRunNext();
    return true;
  };
  return new EditorView({
    state: EditorState.create({
      doc,
      extensions: [
        lineNumbers(),
        history(),
        drawSelection(),
        indentOnInput(),
        bracketMatching(),
        syntaxHighlighting(classHighlighter),
        options.language === "markdown" ? markdown() : javascript({ typescript: true }),
        errorLineField,
        // Issue 15: completions, hovers, type squiggles, go-to-definition (type_assist.ts).
        options.types && options.language === "typescript" ? typeAssist(options.types) : [],
        keymap.of([
          { key: "Shift-Enter", run: runNext },
          { key: "Mod-Enter", run },
          {
            key: "Mod-s",
            run: () => {
              options.onSave();
              return true;
            },
          },
          {
            key: "Escape",
            run: () => {
              options.onEscape();
              return true;
            },
          },
          ...historyKeymap,
          ...defaultKeymap,
        ]),
        EditorView.lineWrapping,
        EditorView.contentAttributes.of({ "aria-label": options.label }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) options.onChange(u.state.doc.toString());
        }),
        EditorView.domEventHandlers({
          blur: () => {
            options.onBlur();
            return false;
          },
        }),
      ],
    }),
  });
}
