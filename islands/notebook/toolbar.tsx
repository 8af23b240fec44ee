/** The notebook page's top bar: where you are, connection and mode, run and panel buttons. */
import type { NotebookMeta } from "../../lib/protocol/notebook_state.ts";
import type { ConnectionState } from "./socket.ts";

/** Side panels. */
export type Panel = "dag" | "timings" | "runtime";

/** Whether an editor has the keyboard (edit) or the notebook does (command). */
export type Mode = "command" | "edit";

/** Props of Toolbar. */
export interface ToolbarProps {
  notebook: NotebookMeta;
  /** The session, for the Export HTML link. */
  sessionId: string;
  mode: Mode;
  conn: ConnectionState;
  /** Cells with edits not saved yet. */
  unsaved: number;
  progress: { done: number; total: number } | null;
  busy: boolean;
  panel: Panel | null;
  onRunAll(): void;
  onCancel(): void;
  onPanel(panel: Panel): void;
  onHelp(): void;
}

/** The bar. */
export function Toolbar(props: ToolbarProps) {
  const { notebook, sessionId, mode, conn, unsaved, progress, busy, panel } = props;
  const { onRunAll, onCancel, onPanel, onHelp } = props;
  return (
    <header class="topbar">
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/" class="brand">Strata</a>
        <span aria-hidden="true">/</span>
        <h1 class="nb-title" title={notebook.path}>{notebook.name}</h1>
        <span class="nb-path muted">{notebook.path}</span>
      </nav>
      <div class="toolbar" role="toolbar" aria-label="Notebook actions">
        <span class="mode-hint muted" data-mode={mode}>
          {mode === "edit" ? "editing · Esc for commands" : "command mode · ? for keys"}
        </span>
        <span class="conn" data-state={conn}>
          {conn === "open" ? "live" : conn === "connecting" ? "connecting…" : "reconnecting…"}
        </span>
        {unsaved > 0 && (
          <span class="unsaved" title="Cells with edits not saved yet">
            ● {unsaved} unsaved
          </span>
        )}
        {progress && (
          <span class="progress" role="status">running {progress.done}/{progress.total}</span>
        )}
        <button type="button" class="btn-primary" onClick={onRunAll} disabled={busy}>
          ▶▶ Run all
        </button>
        <button
          type="button"
          onClick={onCancel}
          disabled={!busy}
        >
          ■ Cancel
        </button>
        <button type="button" aria-expanded={panel === "dag"} onClick={() => onPanel("dag")}>
          DAG
        </button>
        <button
          type="button"
          aria-expanded={panel === "timings"}
          onClick={() => onPanel("timings")}
        >
          Timings
        </button>
        <button
          type="button"
          aria-expanded={panel === "runtime"}
          onClick={() => onPanel("runtime")}
        >
          Runtime
        </button>
        {/* export helper: a self-contained HTML report with receipts (routes/api/export.ts) */}
        <a
          class="btn-link"
          href={`/v1/notebooks/${sessionId}/export?format=html&download=1`}
          download
          title="Download a self-contained HTML report: outputs, folded code and a receipt per output"
        >
          Export HTML
        </a>
        <button
          type="button"
          aria-haspopup="dialog"
          onClick={onHelp}
          title="Keyboard shortcuts (?)"
          aria-label="Keyboard shortcuts"
        >
          ?
        </button>
      </div>
    </header>
  );
}
