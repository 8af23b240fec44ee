/** One cell: header (label, status, timing, actions), editor or rendered Markdown, outputs. */
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { renderMarkdown } from "../../lib/ui/markdown.ts";
import { cellLabel, type CellView as Cell, formatDuration } from "../../lib/ui/notebook_types.ts";
import type { CellEditor, CreateEditor, TypeAssist } from "./editor_host.ts";
import { Outputs } from "./outputs.tsx";
import { StatusPill } from "./status_pill.tsx";

/** What a cell can ask of the notebook. */
export interface CellActions {
  draft(id: string, text: string): void;
  save(id: string): void;
  run(id: string): void;
  remove(id: string): void;
  move(id: string, by: -1 | 1): void;
  add(after: string | null, language: "typescript" | "markdown"): void;
  /** Registers the mounted editor (for focusing from the DAG); null on unmount. */
  editor(id: string, editor: CellEditor | null): void;
  /** The language service for a cell's editor (issue 15). */
  typeAssist?(id: string): TypeAssist;
}

/** Props of CellView. */
export interface CellViewProps {
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
}

/** The cell. */
export function CellView(props: CellViewProps) {
  const { cell, index, count, draft, actions, createEditor } = props;
  const host = useRef<HTMLDivElement>(null);
  const staticPre = useRef<HTMLPreElement>(null);
  const editorRef = useRef<CellEditor | null>(null);
  const [mounted, setMounted] = useState(false);
  const [editingMd, setEditingMd] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
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
      onRun: () => {
        latest.current.actions.run(latest.current.id);
        if (latest.current.isMd) setEditingMd(false);
      },
      onSave: () => latest.current.actions.save(latest.current.id),
      onBlur: () => latest.current.actions.save(latest.current.id),
      onEscape: () => {
        if (!latest.current.isMd) return;
        latest.current.actions.save(latest.current.id);
        setEditingMd(false);
      },
      types: cell.language === "typescript" ? actions.typeAssist?.(cell.id) : undefined,
    });
    if (staticPre.current) staticPre.current.hidden = true;
    editorRef.current = ed;
    actions.editor(cell.id, ed);
    setMounted(true);
    if (isMd) ed.focus();
    return () => {
      actions.editor(cell.id, null);
      ed.destroy();
      editorRef.current = null;
      setMounted(false);
    };
  }, [wantEditor]);

  useEffect(() => {
    // An edit made elsewhere (another tab, an agent) replaces the text unless we have our own.
    if (editorRef.current && draft === undefined) editorRef.current.setText(cell.source);
  }, [cell.source, mounted]);

  useEffect(() => {
    editorRef.current?.setErrorLine(errorLine);
  }, [errorLine, mounted]);

  useEffect(() => {
    // Issue 15: type warnings as squiggles, when the editor still shows the checked source.
    const warnings = cell.diagnostics.flatMap((d) =>
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
    editorRef.current?.setTypeWarnings?.(cell.source, warnings);
  }, [cell.diagnostics, cell.source, mounted]);

  const out = cell.outputs;
  const label = cellLabel(cell, index);
  return (
    <section
      class={`cell cell-${cell.language} status-${cell.status}${props.flash ? " cell-flash" : ""}`}
      id={`cell-${cell.id}`}
      data-cell-id={cell.id}
      aria-label={`Cell ${index + 1}: ${label}`}
    >
      <header class="cell-head">
        <span class="cell-index" aria-hidden="true">[{index + 1}]</span>
        <span class="cell-label" title={cell.file}>{label}</span>
        {cell.language !== "markdown" && (
          <StatusPill cell={cell} runningSince={props.runningSince} />
        )}
        <span class="cell-meta">
          {out && cell.language !== "markdown" && (
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
              title="Run (Shift+Enter)"
              aria-label={`Run cell ${index + 1}`}
            >
              ▶ Run
            </button>
          )}
          {isMd && !editingMd && (
            <button
              type="button"
              onClick={() => setEditingMd(true)}
              aria-label={`Edit cell ${index + 1}`}
            >
              Edit
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
          {confirmDelete
            ? (
              <span class="confirm" role="group" aria-label="Confirm delete">
                <button type="button" class="btn-danger" onClick={() => actions.remove(cell.id)}>
                  Delete cell
                </button>
                <button type="button" onClick={() => setConfirmDelete(false)}>Keep</button>
              </span>
            )
            : (
              <button
                type="button"
                onClick={() => setConfirmDelete(true)}
                aria-label={`Delete cell ${index + 1}`}
                title="Delete"
              >
                ✕
              </button>
            )}
        </span>
      </header>
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
            onDblClick={() => setEditingMd(true)}
            onKeyDown={(e) => {
              if (e.key === "Enter") {
                e.preventDefault();
                setEditingMd(true);
              }
            }}
            dangerouslySetInnerHTML={{
              __html: renderMarkdown(text) || '<p class="placeholder">Empty markdown cell</p>',
            }}
          />
        )
        : (
          <div class="cell-editor">
            {!mounted && <StaticSource text={text} errorLine={errorLine} preRef={staticPre} />}
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

/** The 1-based line to highlight: the current error's, else the first error diagnostic's. */
export function errorLineOf(cell: Cell): number | null {
  const e = cell.outputs?.error;
  if (cell.status === "error" && e?.line) return e.line;
  const d = cell.diagnostics.find((x) => x.severity === "error" && x.line);
  return d?.line ?? null;
}
