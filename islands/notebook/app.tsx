/**
 * The notebook editor island. Server-rendered from the session state, hydrated in the browser,
 * then kept live by the session WebSocket. Edits autosave (pause, blur, Ctrl+S or run); runs go
 * through the HTTP API and their progress arrives as events.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { CellView as Cell, IslandUrls, NotebookState } from "../../lib/ui/notebook_types.ts";
import { apiCall, ApiError } from "./api_client.ts";
import { type CellActions, CellView } from "./cell_view.tsx";
import { DagPanel } from "./dag_panel.tsx";
import type { CellEditor, CreateEditor } from "./editor_host.ts";
import { RuntimePanel } from "./runtime_panel.tsx";
import {
  type ConnectionState,
  connectSocket,
  type Envelope,
  type SessionSocket,
} from "./socket.ts";
import { type RunAllResult, TimingsDrawer } from "./timings_drawer.tsx";
import { typeAssistFor } from "./type_assist_api.ts";

/** Props of NotebookApp (serialized into the page). */
export interface NotebookAppProps {
  state: NotebookState;
  urls: IslandUrls;
  /** Browser only: loads the CodeMirror module. */
  loadEditor?: () => Promise<CreateEditor>;
}

type Panel = "dag" | "timings" | "runtime";
const AUTOSAVE_MS = 700;

/** The editor page. */
export function NotebookApp({ state: initial, urls, loadEditor }: NotebookAppProps) {
  const [state, setState] = useState(initial);
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const [saving, setSaving] = useState<Record<string, boolean>>({});
  const [runningSince, setRunningSince] = useState<Record<string, number>>({});
  const [conn, setConn] = useState<ConnectionState>("connecting");
  const [panel, setPanel] = useState<Panel | null>(null);
  const [lastRunAll, setLastRunAll] = useState<RunAllResult | null>(null);
  const [toast, setToast] = useState<string | null>(null);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [createEditor, setCreateEditor] = useState<CreateEditor | null>(null);
  const [flash, setFlash] = useState<string | null>(null);
  const sid = useRef(initial.sessionId);
  const seq = useRef(initial.seq);
  const editors = useRef(new Map<string, CellEditor>());
  const draftsRef = useRef(drafts);
  draftsRef.current = drafts;
  const stateRef = useRef(state);
  stateRef.current = state;
  const timers = useRef(new Map<string, ReturnType<typeof setTimeout>>());
  const socket = useRef<SessionSocket | null>(null);
  const pendingFocus = useRef<string | null>(null);

  const applyState = useCallback((next: NotebookState) => {
    if (next.seq < seq.current && next.sessionId === sid.current) return;
    seq.current = next.seq;
    sid.current = next.sessionId;
    setState(next);
  }, []);

  const patchCell = useCallback((cellId: string, patch: (c: Cell) => Cell) => {
    setState((s) => ({ ...s, cells: s.cells.map((c) => (c.id === cellId ? patch(c) : c)) }));
  }, []);

  const onEvent = useCallback((e: Envelope) => {
    if (e.type === "notebook_state") {
      applyState(e.payload as NotebookState);
      return;
    }
    if (e.seq <= seq.current) return;
    seq.current = e.seq;
    const p = e.payload as Record<string, unknown>;
    switch (e.type) {
      case "cell_status": {
        const id = String(p.cellId);
        const status = p.status as Cell["status"];
        if (status === "running") setRunningSince((r) => ({ ...r, [id]: Date.now() }));
        patchCell(id, (c) => ({ ...c, status }));
        break;
      }
      case "cell_output": {
        const { cellId, ...rest } = p;
        patchCell(
          String(cellId),
          (c) => ({
            ...c,
            outputs: "displays" in rest ? (rest as unknown as Cell["outputs"]) : null,
          }),
        );
        break;
      }
      case "dag_update":
        setState((s) => ({ ...s, dag: p as unknown as NotebookState["dag"] }));
        break;
      case "cascade_progress":
        setProgress(p.done === p.total ? null : { done: Number(p.done), total: Number(p.total) });
        break;
      case "error":
        setToast(String(p.message ?? "Something went wrong"));
        break;
    }
  }, []);

  /** Re-opens the notebook by path (the session is gone, e.g. after a server restart). */
  const reopen = useCallback(async () => {
    const next = await apiCall<NotebookState>("POST", "/v1/notebooks/open", {
      path: stateRef.current.notebook.path,
    });
    sid.current = next.sessionId;
    seq.current = -1;
    applyState(next);
    socket.current?.reconnect();
  }, []);

  /** Calls the API for this session, re-opening it once if the server forgot it. */
  const call = useCallback(async <T,>(method: string, rest: string, body?: unknown): Promise<T> => {
    try {
      return await apiCall<T>(method, `/v1/notebooks/${sid.current}${rest}`, body);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404 && /^Session /.test(err.message))) {
        throw err;
      }
      await reopen();
      return await apiCall<T>(method, `/v1/notebooks/${sid.current}${rest}`, body);
    }
  }, []);

  const report = useCallback((err: unknown) => setToast((err as Error).message ?? String(err)), []);

  useEffect(() => {
    const proto = location.protocol === "https:" ? "wss" : "ws";
    socket.current = connectSocket({
      url: () => `${proto}://${location.host}/v1/notebooks/ws/${sid.current}`,
      onMessage: onEvent,
      onState: setConn,
      onRepeatedFailure: () => void reopen().catch(() => {}),
    });
    loadEditor?.().then((f) => setCreateEditor(() => f)).catch(() =>
      setToast(
        "The code editor could not be loaded; cells are read-only. Reload the page to retry.",
      )
    );
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") setPanel(null);
    };
    addEventListener("keydown", onKey);
    return () => {
      socket.current?.close();
      removeEventListener("keydown", onKey);
    };
  }, []);

  useEffect(() => {
    if (!createEditor) return;
    performance.mark("strata:editors-ready");
    document.documentElement.dataset.editors = "ready";
  }, [createEditor]);

  const save = useCallback(async (id: string): Promise<void> => {
    clearTimeout(timers.current.get(id));
    timers.current.delete(id);
    const text = draftsRef.current[id];
    if (text === undefined) return;
    setSaving((s) => ({ ...s, [id]: true }));
    try {
      const next = await call<NotebookState>("PUT", `/cells/${id}`, { source: text });
      setDrafts((d) => {
        if (d[id] !== text) return d;
        const { [id]: _saved, ...rest } = d;
        return rest;
      });
      applyState(next);
    } finally {
      setSaving((s) => ({ ...s, [id]: false }));
    }
  }, []);

  const focusCell = useCallback((id: string) => {
    const el = document.getElementById(`cell-${id}`);
    el?.scrollIntoView({ block: "center" });
    const ed = editors.current.get(id);
    if (ed) ed.focus();
    else (el?.querySelector(".md-rendered, button") as HTMLElement | null)?.focus();
    setFlash(id);
    setTimeout(() => setFlash((f) => (f === id ? null : f)), 1200);
  }, []);

  const actions: CellActions = useMemo(() => ({
    draft(id, text) {
      const cell = stateRef.current.cells.find((c) => c.id === id);
      setDrafts((d) => {
        if (cell && text === cell.source) {
          const { [id]: _same, ...rest } = d;
          return rest;
        }
        return { ...d, [id]: text };
      });
      draftsRef.current = { ...draftsRef.current, [id]: text };
      clearTimeout(timers.current.get(id));
      timers.current.set(id, setTimeout(() => save(id).catch(report), AUTOSAVE_MS));
    },
    save: (id) => void save(id).catch(report),
    run(id) {
      save(id)
        .then(() => call<{ state: NotebookState }>("POST", `/cells/${id}/execute`))
        .then((r) => applyState(r.state))
        .catch(report);
    },
    remove(id) {
      call<NotebookState>("DELETE", `/cells/${id}`).then(applyState).catch(report);
    },
    move(id, by) {
      const order = stateRef.current.cells.map((c) => c.id);
      const at = order.indexOf(id);
      const to = at + by;
      if (at < 0 || to < 0 || to >= order.length) return;
      [order[at], order[to]] = [order[to], order[at]];
      call<NotebookState>("PUT", "/cells/reorder", { order }).then(applyState).catch(report);
    },
    add(after, language) {
      call<{ cellId: string; state: NotebookState }>("POST", "/cells", {
        source: "",
        language,
        after,
      })
        .then((r) => {
          pendingFocus.current = r.cellId;
          applyState(r.state);
        })
        .catch(report);
    },
    typeAssist: (id) =>
      typeAssistFor(id, call, (target) => {
        focusCell(target.cellId);
        editors.current.get(target.cellId)?.revealLine?.(target.line, target.column);
      }),
    editor(id, ed) {
      if (ed) editors.current.set(id, ed);
      else editors.current.delete(id);
      if (ed && pendingFocus.current === id) {
        pendingFocus.current = null;
        ed.focus();
      }
    },
  }), []);

  async function runAll() {
    try {
      await Promise.all(Object.keys(draftsRef.current).map((id) => save(id)));
      const r = await call<{ run: Omit<RunAllResult, "at">; state: NotebookState }>(
        "POST",
        "/run-all",
      );
      setLastRunAll({ ...r.run, at: new Date().toISOString() });
      applyState(r.state);
    } catch (err) {
      report(err);
    }
  }

  function togglePanel(p: Panel) {
    setPanel((cur) => (cur === p ? null : p));
  }

  const busy = state.busy || state.cells.some((c) => c.status === "running");
  const dirtyCount = Object.keys(drafts).length;
  return (
    <div class={`notebook-app${panel ? " with-panel" : ""}`} data-connection={conn}>
      <header class="topbar">
        <nav class="crumbs" aria-label="Breadcrumb">
          <a href="/" class="brand">Strata</a>
          <span aria-hidden="true">/</span>
          <h1 class="nb-title" title={state.notebook.path}>{state.notebook.name}</h1>
          <span class="nb-path muted">{state.notebook.path}</span>
        </nav>
        <div class="toolbar" role="toolbar" aria-label="Notebook actions">
          <span class="conn" data-state={conn}>
            {conn === "open" ? "live" : conn === "connecting" ? "connecting…" : "reconnecting…"}
          </span>
          {dirtyCount > 0 && (
            <span class="unsaved" title="Cells with edits not saved yet">
              ● {dirtyCount} unsaved
            </span>
          )}
          {progress && (
            <span class="progress" role="status">running {progress.done}/{progress.total}</span>
          )}
          <button type="button" class="btn-primary" onClick={runAll} disabled={busy}>
            ▶▶ Run all
          </button>
          <button
            type="button"
            onClick={() => call("POST", "/cancel").catch(report)}
            disabled={!busy}
          >
            ■ Cancel
          </button>
          <button type="button" aria-expanded={panel === "dag"} onClick={() => togglePanel("dag")}>
            DAG
          </button>
          <button
            type="button"
            aria-expanded={panel === "timings"}
            onClick={() => togglePanel("timings")}
          >
            Timings
          </button>
          <button
            type="button"
            aria-expanded={panel === "runtime"}
            onClick={() => togglePanel("runtime")}
          >
            Runtime
          </button>
        </div>
      </header>
      {conn === "reconnecting" && (
        <div class="banner banner-reconnecting" role="status">
          Connection lost — reconnecting… Edits are kept in this page.
        </div>
      )}
      {toast && (
        <div class="toast" role="alert">
          <span>{toast}</span>
          <button type="button" onClick={() => setToast(null)} aria-label="Dismiss message">
            ✕
          </button>
        </div>
      )}
      <main class="cells" id="cells">
        {state.cells.length === 0 && <p class="empty muted">This notebook has no cells yet.</p>}
        {state.cells.map((c, i) => (
          <CellView
            key={c.id}
            cell={c}
            index={i}
            count={state.cells.length}
            draft={drafts[c.id]}
            saving={saving[c.id] ?? false}
            runningSince={runningSince[c.id]}
            createEditor={createEditor}
            actions={actions}
            flash={flash === c.id}
          />
        ))}
        <div class="add-end">
          <button
            type="button"
            onClick={() => actions.add(state.cells.at(-1)?.id ?? null, "typescript")}
          >
            + Code cell
          </button>
          <button
            type="button"
            onClick={() => actions.add(state.cells.at(-1)?.id ?? null, "markdown")}
          >
            + Markdown cell
          </button>
        </div>
      </main>
      {panel && (
        <aside class="panel" aria-label={PANEL_TITLES[panel]}>
          <header class="panel-head">
            <h2>{PANEL_TITLES[panel]}</h2>
            <button type="button" onClick={() => setPanel(null)} aria-label="Close panel">✕</button>
          </header>
          <div class="panel-body">
            {panel === "dag" && (
              <DagPanel
                cells={state.cells}
                dag={state.dag}
                layoutUrl={urls.dagLayout}
                onSelect={(id) => {
                  if (matchMedia("(max-width: 900px)").matches) setPanel(null);
                  focusCell(id);
                }}
              />
            )}
            {panel === "timings" && <TimingsDrawer cells={state.cells} lastRunAll={lastRunAll} />}
            {panel === "runtime" && (
              <RuntimePanel
                env={state.env}
                secretManager={state.secretManager}
                save={async (values) =>
                  applyState(await call<NotebookState>("PUT", "/env", { values }))}
                refresh={async () => {
                  const next = await call<NotebookState>("POST", "/secret-manager/refresh");
                  applyState(next);
                  return next.secretManager?.lastError ?? null;
                }}
                configure={async (config) =>
                  applyState(
                    (await call<{ state: NotebookState }>("PUT", "/secret-manager/config", {
                      config,
                    }))
                      .state,
                  )}
              />
            )}
          </div>
        </aside>
      )}
    </div>
  );
}

const PANEL_TITLES: Record<Panel, string> = {
  dag: "Dependency graph",
  timings: "Timings",
  runtime: "Runtime",
};
