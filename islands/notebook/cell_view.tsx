/** One cell: header (label, status, timing, actions), editor or rendered Markdown, outputs. */
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { memo } from "preact/compat";
import { renderMarkdown } from "../../lib/ui/markdown.ts";
import type { CellView as Cell } from "../../lib/protocol/notebook_state.ts";
import { cellLabel, formatDuration } from "../../lib/ui/notebook_types.ts";
import type { CellEditor, CreateEditor, TypeAssist, TypeWarning } from "./editor_host.ts";
import { Outputs } from "./outputs.tsx";
import { StatusPill } from "./status_pill.tsx";

/** What a cell can ask of the notebook. */
export interface CellActions {
  draft(id: string, text: string): void;
  save(id: string): void;
  /** Runs in place (Ctrl/Cmd+Enter, the Run button). */
  run(id: string): void;
  /** Runs, then moves to the next cell, adding one at the end (Shift+Enter). */
  runNext(id: string): void;
  remove(id: string): void;
  move(id: string, by: -1 | 1): void;
  add(after: string | null, language: "typescript" | "markdown"): void;
  /** Asks the AI model for a new cell after this one (inserted, not run; issue 18). */
  /** Absent when the server has no AI model configured: the button is not shown. */
  generate?: (after: string) => void;
  /** Starts editing: focuses the editor (a markdown cell switches to its source). */
  edit(id: string): void;
  /** Leaves the editor for command mode on this cell (a markdown cell renders). */
  leave(id: string): void;
  /** Marks the cell selected (focus moved into it). */
  select(id: string): void;
  /** Registers the mounted editor (for focusing from the DAG); null on unmount. */
  editor(id: string, editor: CellEditor | null): void;
  /** The language service for a cell's editor (issue 15). */
  typeAssist?(id: string): TypeAssist;
  /** Settles an edit conflict: take the other edit (reload) or save ours over it. */
  resolveConflict(id: string, how: "reload" | "overwrite"): void;
}

/** An edit refused because the cell changed elsewhere: the source and version saved there. */
export interface EditConflict {
  source: string;
  version: string;
}

/** Props of CellView. */
export interface CellViewProps {
  /** Our edit was refused (409): offer to reload the cell or overwrite it. */
  conflict?: EditConflict;
  cell: Cell;
  index: number;
  count: number;
  /** Unsaved text, when it differs from the saved source. */
  draft: string | undefined;
  saving: boolean;
  runningSince?: number;
  createEditor: CreateEditor | null;
  actions: CellActions;
  flash: boolean;
  /** The selected cell (command mode acts on it). */
  selected: boolean;
  /** A markdown cell shows its source editor instead of the rendered text. */
  editing: boolean;
}

/**
 * The cell. Memoized (shallow props): a page of 300 cells re-rendered every cell on each event of
 * a run, about 20 ms a time (issue 20); now only the cells whose props changed render.
 */
export const CellView = memo(CellViewInner);

function CellViewInner(props: CellViewProps) {
  const { cell, index, count, draft, actions, createEditor } = props;
  const host = useRef<HTMLDivElement>(null);
  const staticPre = useRef<HTMLPreElement>(null);
  const editorRef = useRef<CellEditor | null>(null);
  /** The editor's view is in the page: the server-rendered source goes. */
  const [attached, setAttached] = useState(false);
  const editingMd = props.editing;
  const isMd = cell.language === "markdown";
  const text = draft ?? cell.source;
  const dirty = draft !== undefined && draft !== cell.source;
  const errorLine = errorLineOf(cell);
  const wantEditor = createEditor !== null && (!isMd || editingMd);
  const latest = useRef({ text, actions, id: cell.id, isMd });
  latest.current = { text, actions, id: cell.id, isMd };

  useLayoutEffect(() => {
    if (!wantEditor || !host.current || !createEditor) return;
    const ed = createEditor({
      parent: host.current,
      doc: latest.current.text,
      language: cell.language,
      label: `Cell ${index + 1} source`,
      onChange: (t) => latest.current.actions.draft(latest.current.id, t),
      onRun: () => latest.current.actions.run(latest.current.id),
      onRunNext: () => latest.current.actions.runNext(latest.current.id),
      onSave: () => latest.current.actions.save(latest.current.id),
      onBlur: () => latest.current.actions.save(latest.current.id),
      onEscape: () => latest.current.actions.leave(latest.current.id),
      types: cell.language === "typescript" ? actions.typeAssist?.(cell.id) : undefined,
      // The editor is made when the cell comes near the viewport (or is focused): the source
      // rendered on the server stays until then.
      onMounted: () => {
        if (staticPre.current) staticPre.current.hidden = true;
        setAttached(true);
      },
    });
    // What the effects below set on a later change, set now (the editor keeps it until its view
    // is made). Not through a state change: on a 1,000-cell page that re-rendered every cell once
    // more when the editor module arrived.
    ed.setErrorLine(errorLine);
    ed.setTypeWarnings?.(cell.source, typeWarnings(cell));
    editorRef.current = ed;
    actions.editor(cell.id, ed);
    return () => {
      actions.editor(cell.id, null);
      ed.destroy();
      editorRef.current = null;
      setAttached(false);
    };
  }, [wantEditor]);

  useEffect(() => {
    // An edit made elsewhere (another tab, an agent) replaces the text unless we have our own.
    if (editorRef.current && draft === undefined) editorRef.current.setText(cell.source);
  }, [cell.source]);

  useEffect(() => {
    editorRef.current?.setErrorLine(errorLine);
  }, [errorLine]);

  useEffect(() => {
    // Issue 15: type warnings as squiggles, when the editor still shows the checked source.
    editorRef.current?.setTypeWarnings?.(cell.source, typeWarnings(cell));
  }, [cell.diagnostics, cell.source]);

  const out = cell.outputs;
  const label = cellLabel(cell, index);
  return (
    <section
      class={`cell cell-${cell.language} status-${cell.status}${failClass(cell)}${
        props.flash ? " cell-flash" : ""
      }${props.selected ? " selected" : ""}`}
      id={`cell-${cell.id}`}
      data-cell-id={cell.id}
      aria-label={`Cell ${index + 1}: ${label}`}
      tabIndex={-1}
      onFocusIn={() => actions.select(cell.id)}
    >
      <header class="cell-head">
        <span class="cell-index" aria-hidden="true">[{index + 1}]</span>
        <span class="cell-label" title={cell.file}>{label}</span>
        {cell.language !== "markdown" && (
          <StatusPill cell={cell} runningSince={props.runningSince} />
        )}
        <span class="cell-meta">
          {out && !out.live && cell.language !== "markdown" && (
            <span class="timing" title={out.finishedAt ? `Finished ${out.finishedAt}` : undefined}>
              {formatDuration(out.durationMs)}
              {out.cacheHit ? " · cache hit" : ""}
            </span>
          )}
          {dirty && (
            <span
              class="unsaved"
              title="Edits not saved yet (saved when you pause typing, leave the cell, press Ctrl+S or run)"
            >
              ● unsaved
            </span>
          )}
          {props.saving && !dirty && <span class="saving">saving…</span>}
        </span>
        <span class="cell-actions">
          {cell.language !== "markdown" && (
            <button
              type="button"
              class="btn-run"
              onClick={() => actions.run(cell.id)}
              title="Run (Ctrl/⌘+Enter; Shift+Enter runs and moves on)"
              aria-label={`Run cell ${index + 1}`}
            >
              ▶ Run
            </button>
          )}
          {isMd && !editingMd && (
            <button
              type="button"
              onClick={() => actions.edit(cell.id)}
              aria-label={`Edit cell ${index + 1}`}
            >
              Edit
            </button>
          )}
          {actions.generate && (
            <button
              type="button"
              onClick={() => actions.generate!(cell.id)}
              aria-label={`Generate a cell after cell ${index + 1}`}
              title="Generate a TypeScript cell below from a request (AI; not run)"
            >
              Generate
            </button>
          )}
          <button
            type="button"
            onClick={() => actions.move(cell.id, -1)}
            disabled={index === 0}
            aria-label={`Move cell ${index + 1} up`}
            title="Move up"
          >
            ↑
          </button>
          <button
            type="button"
            onClick={() => actions.move(cell.id, 1)}
            disabled={index === count - 1}
            aria-label={`Move cell ${index + 1} down`}
            title="Move down"
          >
            ↓
          </button>
          <button
            type="button"
            onClick={() => actions.remove(cell.id)}
            aria-label={`Delete cell ${index + 1}`}
            title="Delete (can be undone)"
          >
            ✕
          </button>
        </span>
      </header>
      {props.conflict && (
        <div class="conflict-notice" role="alert">
          <span>
            This cell was changed in another tab or by another client since you started editing.
          </span>
          <button
            type="button"
            class="btn-conflict-reload"
            onClick={() => actions.resolveConflict(cell.id, "reload")}
            title="Drop your edit and show the saved source"
          >
            Reload
          </button>
          <button
            type="button"
            class="btn-conflict-overwrite"
            onClick={() => actions.resolveConflict(cell.id, "overwrite")}
            title="Save your edit over the other one"
          >
            Overwrite
          </button>
        </div>
      )}
      {cell.status === "stale" && cell.whyText && (
        <p class="why" title={cell.whyText}>{cell.whyText}</p>
      )}
      {isMd && !editingMd
        ? (
          <div
            class="md md-rendered"
            tabIndex={0}
            role="button"
            aria-label={`Markdown cell ${index + 1}; press Enter to edit`}
            onDblClick={() => actions.edit(cell.id)}
            dangerouslySetInnerHTML={{
              __html: renderMarkdown(text) || '<p class="placeholder">Empty markdown cell</p>',
            }}
          />
        )
        : (
          <div class="cell-editor">
            {!attached && <StaticSource text={text} errorLine={errorLine} preRef={staticPre} />}
            <div ref={host} class="cm-host" />
          </div>
        )}
      {cell.diagnostics.length > 0 && (
        <ul class="diagnostics">
          {cell.diagnostics.map((d, i) => (
            <li key={i} class={`diag diag-${d.severity}`}>
              {d.line !== undefined ? `line ${d.line}: ` : ""}
              {d.message}
            </li>
          ))}
        </ul>
      )}
      {cell.language !== "markdown" && (
        <Outputs
          outputs={out}
          running={cell.status === "running"}
        />
      )}
      <div class="add-below">
        <button
          type="button"
          onClick={() => actions.add(cell.id, "typescript")}
          aria-label={`Add code cell after cell ${index + 1}`}
        >
          + Code
        </button>
        <button
          type="button"
          onClick={() => actions.add(cell.id, "markdown")}
          aria-label={`Add markdown cell after cell ${index + 1}`}
        >
          + Markdown
        </button>
      </div>
    </section>
  );
}

/** The server-rendered source, shaped like the editor so mounting it does not move anything. */
function StaticSource(
  props: { text: string; errorLine: number | null; preRef: { current: HTMLPreElement | null } },
) {
  const lines = props.text.split("\n");
  return (
    <pre class="static-source" ref={props.preRef}>
      {lines.map((l, i) => (
        <span key={i} class={`static-line${props.errorLine === i + 1 ? " static-error-line" : ""}`}>
          <span class="static-gutter">{i + 1}</span>
          <span>{l || "\u200b"}</span>
        </span>
      ))}
    </pre>
  );
}

/** A cell's type warnings (issue 15), as its editor shows them. */
function typeWarnings(cell: Cell): TypeWarning[] {
  return cell.diagnostics.flatMap((d) =>
    d.source === "types" && d.line !== undefined && d.column !== undefined
      ? [{
        line: d.line,
        column: d.column,
        endLine: d.endLine,
        endColumn: d.endColumn,
        message: d.message,
      }]
      : []
  );
}

/** A cancel or a timeout is not the code's fault: the cell is marked apart from a failure. */
function failClass(cell: Cell): string {
  const kind = cell.status === "error" ? cell.outputs?.error?.kind : undefined;
  return kind === "cancelled" || kind === "timeout" ? ` failed-${kind}` : "";
}

/** The 1-based line to highlight: the current error's, else the first error diagnostic's. */
export function errorLineOf(cell: Cell): number | null {
  const e = cell.outputs?.error;
  if (cell.status === "error" && e?.line) return e.line;
  const d = cell.diagnostics.find((x) => x.severity === "error" && x.line);
  return d?.line ?? null;
}
