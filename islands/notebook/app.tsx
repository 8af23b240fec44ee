/**
 * The notebook editor island. Server-rendered from the session state, hydrated in the browser,
 * then kept live by the session WebSocket. Edits autosave (pause, blur, Ctrl+S or run); runs go
 * through the HTTP API and their progress arrives as events. Keys follow Jupyter: an editor has
 * the keyboard in edit mode; Esc gives it to the notebook (command mode, see command_keys.ts).
 */
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import type {
  AddCellAnswer,
  CellLanguage,
  NotebookState,
  RunAnswer,
} from "../../lib/protocol/notebook_state.ts";
import { cellLabel, type IslandUrls } from "../../lib/ui/notebook_types.ts";
import { apiCall, ApiError } from "./api_client.ts";
import { type CellActions, CellView, type EditConflict } from "./cell_view.tsx";
import { type FocusInto, useCommandKeys } from "./command_mode.ts";
import { DagPanel } from "./dag_panel.tsx";
import { VariablesPanel } from "./variables_panel.tsx"; // issue 16
import type { VariableRow } from "../../lib/commands/variables_commands.ts"; // issue 16
import type { CellEditor, CreateEditor } from "./editor_host.ts";
import { KeysHelp } from "./keys_help.tsx";
import { RuntimePanel } from "./runtime_panel.tsx";
import { reduceEvent, withLiveOutputs } from "./session_events.ts";
import {
  type ConnectionState,
  connectSocket,
  type Envelope,
  type SessionSocket,
} from "./socket.ts";
import { type LastRun, TimingsDrawer } from "./timings_drawer.tsx";
import { type Mode, type Panel, Toolbar } from "./toolbar.tsx";
import { typeAssistFor } from "./type_assist_api.ts";

/** Props of NotebookApp (serialized into the page). */
export interface NotebookAppProps {
  state: NotebookState;
  urls: IslandUrls;
  /** Browser only: loads the CodeMirror module. */
  loadEditor?: () => Promise<CreateEditor>;
  /** The server has an AI model configured (shows "Generate" on cells). */
  ai?: boolean;
}

const AUTOSAVE_MS = 700;
const UNDO_MS = 20_000;

/** A deleted cell, kept so the delete can be undone. */
interface Deleted {
  source: string;
  language: CellLanguage;
  /** The cell it followed (null: it was first). */
  after: string | null;
  index: number;
  label: string;
}

/** The editor page. */
/** How long socket events gather before the page applies them together (about one frame). */
const FRAME_MS = 16;

export function NotebookApp({ state: initial, urls, loadEditor, ai }: NotebookAppProps) {
  const [state, setState] = useState(initial);
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const [saving, setSaving] = useState<Record<string, boolean>>({});
  const [runningSince, setRunningSince] = useState<Record<string, number>>({});
  const [conn, setConn] = useState<ConnectionState>("connecting");
  const [panel, setPanel] = useState<Panel | null>(null);
  const [lastRun, setLastRun] = useState<LastRun | null>(null);
  const [toast, setToast] = useState<string | null>(null);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [createEditor, setCreateEditor] = useState<CreateEditor | null>(null);
  const [flash, setFlash] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [mode, setMode] = useState<Mode>("command");
  const [mdEditing, setMdEditing] = useState<Record<string, boolean>>({});
  const [deleted, setDeleted] = useState<Deleted | null>(null);
  const [help, setHelp] = useState(false);
  // Issue 14 item 7: the version each draft started from, and edits refused as stale (409).
  const [conflicts, setConflicts] = useState<Record<string, EditConflict>>({});
  const bases = useRef(new Map<string, string>());
  const sid = useRef(initial.sessionId);
  const seq = useRef(initial.seq);
  const editors = useRef(new Map<string, CellEditor>());
  const draftsRef = useRef(drafts);
  draftsRef.current = drafts;
  const stateRef = useRef(state);
  stateRef.current = state;
  const timers = useRef(new Map<string, ReturnType<typeof setTimeout>>());
  const socket = useRef<SessionSocket | null>(null);
  /** A cell to focus once it is rendered: its editor (edit mode) or its box (command mode). */
  const pendingFocus = useRef<{ id: string; into: FocusInto } | null>(null);
  const selectedRef = useRef(selected);
  selectedRef.current = selected;
  const conflictsRef = useRef(conflicts);
  conflictsRef.current = conflicts;
  const helpRef = useRef(help);
  helpRef.current = help;
  const undoTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const applyState = useCallback((next: NotebookState) => {
    if (next.seq < seq.current && next.sessionId === sid.current) return;
    seq.current = next.seq;
    sid.current = next.sessionId;
    setState((prev) => withLiveOutputs(prev, next)); // issue 14: keep a running cell's live lines
  }, []);

  // Issue 20: events are applied to the state together, at most once per frame. A run of 300
  // cells sends about 2,000 events; one render each kept the page 30 s behind the server.
  const queued = useRef<Envelope[]>([]);
  const applyQueued = useCallback(() => {
    const batch = queued.current;
    if (batch.length === 0) return;
    queued.current = [];
    setState((s) => batch.reduce(reduceEvent, s));
  }, []);

  const onEvent = useCallback((e: Envelope) => {
    if (e.type === "notebook_state") {
      applyQueued(); // older events first: the state they led to is what this one replaces
      applyState(e.payload);
      return;
    }
    if (e.seq <= seq.current) return;
    seq.current = e.seq;
    if (e.type === "cell_status" && e.payload.status === "running") {
      const id = e.payload.cellId;
      setRunningSince((r) => ({ ...r, [id]: Date.now() }));
    } else if (e.type === "cascade_progress" || e.type === "cache_hits") {
      const p = e.payload;
      setProgress(p.done === p.total ? null : { done: p.done, total: p.total });
    } else if (e.type === "error") {
      setToast(e.payload.message || "Something went wrong");
    }
    if (queued.current.push(e) === 1) setTimeout(applyQueued, FRAME_MS);
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
    const onFocus = (e: FocusEvent) => {
      const t = e.target as HTMLElement | null;
      setMode(t?.closest?.(".cm-editor") ? "edit" : "command");
    };
    addEventListener("focusin", onFocus);
    return () => {
      socket.current?.close();
      removeEventListener("focusin", onFocus);
    };
  }, []);

  useEffect(() => {
    if (!createEditor) return;
    performance.mark("strata:editors-ready");
    document.documentElement.dataset.editors = "ready";
  }, [createEditor]);

  // One save per cell at a time: a save sent while the previous one is in flight would carry the
  // version from before it and be refused as a conflict with itself (seen under load).
  const inflight = useRef(new Map<string, Promise<void>>());
  const save = useCallback((id: string): Promise<void> => {
    clearTimeout(timers.current.get(id));
    timers.current.delete(id);
    const previous = inflight.current.get(id) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() => saveNow(id));
    inflight.current.set(id, next);
    next.finally(() => {
      if (inflight.current.get(id) === next) inflight.current.delete(id);
    }).catch(() => {});
    return next;
  }, []);

  const saveNow = useCallback(async (id: string): Promise<void> => {
    const text = draftsRef.current[id];
    if (text === undefined) return;
    // A refused edit waits for the person's choice (Reload / Overwrite); no autosave retries.
    if (conflictsRef.current[id]) return;
    setSaving((s) => ({ ...s, [id]: true }));
    try {
      const baseVersion = bases.current.get(id) ??
        stateRef.current.cells.find((c) => c.id === id)?.version;
      let next: NotebookState;
      try {
        next = await call<NotebookState>("PUT", `/cells/${id}`, { source: text, baseVersion });
      } catch (err) {
        // Only for the version this draft is still based on (not one an Overwrite replaced).
        const current = bases.current.get(id) ?? baseVersion;
        if (
          err instanceof ApiError && err.status === 409 && err.details && current === baseVersion
        ) {
          const { source, version } = err.details as { source: string; version: string };
          setConflicts((c) => ({ ...c, [id]: { source, version } }));
        }
        throw err;
      }
      const saved = next.cells.find((c) => c.id === id)?.version;
      if (draftsRef.current[id] === text) bases.current.delete(id);
      else if (saved) bases.current.set(id, saved); // typed on while saving: based on ours now
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

  /** Focuses a cell's editor (edit mode) or its box (command mode), now or once it is rendered. */
  const focusCell = useCallback((id: string, into: FocusInto) => {
    setSelected(id);
    const cell = stateRef.current.cells.find((c) => c.id === id);
    if (into === "editor" && cell?.language === "markdown") {
      setMdEditing((m) => (m[id] ? m : { ...m, [id]: true }));
    }
    const el = document.getElementById(`cell-${id}`);
    const ed = editors.current.get(id);
    if (into === "editor" && ed) ed.focus();
    else if (into === "box" && el) el.focus({ preventScroll: true });
    else {
      pendingFocus.current = { id, into };
      return;
    }
    pendingFocus.current = null;
    el?.scrollIntoView({ block: "nearest" });
  }, []);

  useEffect(() => {
    // A cell asked to be focused before it (or its editor) was rendered.
    const want = pendingFocus.current;
    if (want && (want.into === "box" || !createEditor)) focusCell(want.id, "box");
  });

  /** Goes to a cell from the DAG: scrolls it to the middle and flashes it. */
  const showCell = useCallback((id: string) => {
    document.getElementById(`cell-${id}`)?.scrollIntoView({ block: "center" });
    focusCell(id, editors.current.has(id) ? "editor" : "box");
    setFlash(id);
    setTimeout(() => setFlash((f) => (f === id ? null : f)), 1200);
  }, []);

  /** Adds a cell and focuses it: its editor (edit mode) or, from command mode, its box. */
  const addCell = useCallback(
    async (
      after: string | null,
      language: CellLanguage,
      into: FocusInto = "editor",
      source = "",
    ): Promise<string> => {
      const r = await call<AddCellAnswer>("POST", "/cells", { source, language, after });
      if (language === "markdown" && into === "editor") {
        setMdEditing((m) => ({ ...m, [r.cellId]: true }));
      }
      applyState(r.state);
      focusCell(r.cellId, into);
      return r.cellId;
    },
    [],
  );

  const runCell = useCallback(async (id: string): Promise<void> => {
    const cell = stateRef.current.cells.find((c) => c.id === id);
    if (conflictsRef.current[id]) {
      throw new Error("This cell has an edit conflict: choose Reload or Overwrite first");
    }
    await save(id);
    if (cell?.language === "markdown") {
      setMdEditing((m) => ({ ...m, [id]: false }));
      return;
    }
    const t0 = performance.now();
    const r = await call<RunAnswer>("POST", `/cells/${id}/execute`);
    setLastRun({
      ...r.run,
      target: id,
      at: new Date().toISOString(),
      wallMs: performance.now() - t0,
    });
    applyState(r.state);
  }, []);

  /** Runs a cell and moves on: to the next cell, or a new one at the end. */
  const runNext = useCallback((id: string, into: FocusInto) => {
    const cells = stateRef.current.cells;
    const at = cells.findIndex((c) => c.id === id);
    runCell(id).catch(report);
    const next = cells[at + 1];
    if (!next) addCell(id, "typescript", "editor").catch(report);
    else focusCell(next.id, into === "editor" && next.language === "markdown" ? "box" : into);
  }, []);

  const removeCell = useCallback((id: string) => {
    const cells = stateRef.current.cells;
    const at = cells.findIndex((c) => c.id === id);
    if (at < 0) return;
    const cell = cells[at];
    const gone: Deleted = {
      source: draftsRef.current[id] ?? cell.source,
      language: cell.language,
      after: cells[at - 1]?.id ?? null,
      index: at,
      label: cellLabel(cell, at),
    };
    call<NotebookState>("DELETE", `/cells/${id}`)
      .then((next) => {
        applyState(next);
        setDeleted(gone);
        clearTimeout(undoTimer.current);
        undoTimer.current = setTimeout(() => setDeleted(null), UNDO_MS);
        const neighbour = next.cells[Math.min(at, next.cells.length - 1)];
        if (neighbour) focusCell(neighbour.id, "box");
      })
      .catch(report);
  }, []);

  const undoDelete = useCallback(() => {
    setDeleted((gone) => {
      if (!gone) return null;
      const cells = stateRef.current.cells;
      // Re-add after the same cell if it is still there, else at the same position.
      const after = gone.after === null || cells.some((c) => c.id === gone.after)
        ? gone.after
        : cells[gone.index - 1]?.id ?? null;
      addCell(after, gone.language, "box", gone.source).catch(report);
      return null;
    });
  }, []);

  /** Switches a cell between code and markdown: a new cell with the same source replaces it. */
  const switchLanguage = useCallback(async (id: string, language: CellLanguage) => {
    const cell = stateRef.current.cells.find((c) => c.id === id);
    if (!cell || cell.language === language) return;
    await save(id);
    const source = draftsRef.current[id] ?? stateRef.current.cells.find((c) => c.id === id)!.source;
    const r = await call<AddCellAnswer>("POST", "/cells", { source, language, after: id });
    applyState(r.state);
    applyState(await call<NotebookState>("DELETE", `/cells/${id}`));
    focusCell(r.cellId, "box");
  }, []);

  useCommandKeys({
    target: () => ({
      cells: stateRef.current.cells,
      selected: selectedRef.current,
      addCell: (after, language, into) => void addCell(after, language, into).catch(report),
      focusCell,
      removeCell,
      undoDelete,
      switchLanguage: (id, language) => void switchLanguage(id, language).catch(report),
      runCell: (id) => void runCell(id).catch(report),
      runNext,
      toggleHelp: () => setHelp((h) => !h),
    }),
    onEscape: () => {
      if (helpRef.current) setHelp(false);
      else setPanel(null);
    },
  });

  const actions: CellActions = useMemo(() => ({
    draft(id, text) {
      const cell = stateRef.current.cells.find((c) => c.id === id);
      if (cell && !bases.current.has(id)) bases.current.set(id, cell.version);
      if (cell && text === cell.source) bases.current.delete(id);
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
    run: (id) => void runCell(id).catch(report),
    runNext: (id) => runNext(id, "editor"),
    remove: removeCell,
    move(id, by) {
      const order = stateRef.current.cells.map((c) => c.id);
      const at = order.indexOf(id);
      const to = at + by;
      if (at < 0 || to < 0 || to >= order.length) return;
      [order[at], order[to]] = [order[to], order[at]];
      call<NotebookState>("PUT", "/cells/reorder", { order }).then(applyState).catch(report);
    },
    add: (after, language) => void addCell(after, language, "editor").catch(report),
    generate: ai
      ? (after: string) => { // issue 18: the AI writes a cell below; inserted, never run
        const request = globalThis.prompt("Describe the cell to generate:")?.trim();
        if (!request) return;
        call<AddCellAnswer>("POST", "/cells/generate", { after, request })
          .then((r) => (applyState(r.state), focusCell(r.cellId, "editor"))).catch(report);
      }
      : undefined,
    edit: (id) => focusCell(id, "editor"),
    leave(id) {
      save(id).catch(report);
      setMdEditing((m) => (m[id] ? { ...m, [id]: false } : m));
      focusCell(id, "box");
    },
    typeAssist: (id) =>
      typeAssistFor(id, call, (target) => {
        showCell(target.cellId);
        editors.current.get(target.cellId)?.revealLine?.(target.line, target.column);
      }),
    select: setSelected,
    resolveConflict(id, how) {
      const { [id]: conflict, ...others } = conflictsRef.current;
      if (!conflict) return;
      conflictsRef.current = others; // before save() below reads it
      setConflicts(others);
      if (how === "overwrite") {
        bases.current.set(id, conflict.version);
        save(id).catch(report);
        return;
      }
      clearTimeout(timers.current.get(id));
      bases.current.delete(id);
      const { [id]: _dropped, ...rest } = draftsRef.current;
      draftsRef.current = rest;
      setDrafts(rest);
      editors.current.get(id)?.setText(conflict.source);
    },
    editor(id, ed) {
      if (ed) editors.current.set(id, ed);
      else editors.current.delete(id);
      const want = pendingFocus.current;
      if (ed && want?.id === id && want.into === "editor") {
        pendingFocus.current = null;
        ed.focus();
        document.getElementById(`cell-${id}`)?.scrollIntoView({ block: "nearest" });
      }
    },
  }), []);

  async function runAll() {
    try {
      await Promise.all(Object.keys(draftsRef.current).map((id) => save(id)));
      const t0 = performance.now();
      const r = await call<RunAnswer>("POST", "/run-all");
      setLastRun({
        ...r.run,
        target: "all",
        at: new Date().toISOString(),
        wallMs: performance.now() - t0,
      });
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
    <div
      class={`notebook-app${panel ? " with-panel" : ""}`}
      data-connection={conn}
      data-session-id={state.sessionId /* widgets (issue 16): widget controls find their session */}
    >
      <Toolbar
        notebook={state.notebook}
        sessionId={state.sessionId}
        mode={mode}
        conn={conn}
        unsaved={dirtyCount}
        progress={progress}
        busy={busy}
        panel={panel}
        onRunAll={runAll}
        onCancel={() => void call("POST", "/cancel").catch(report)}
        onPanel={togglePanel}
        onHelp={() => setHelp(true)}
      />
      {state.viewers > 1 && (
        <div class="presence muted" role="status" title="Open tabs and clients on this notebook">
          {state.viewers} viewers open on this notebook: edits made elsewhere show up here
        </div>
      )}
      {conn === "reconnecting" && (
        <div class="banner banner-reconnecting" role="status">
          Connection lost — reconnecting… Edits are kept in this page.
        </div>
      )}
      {deleted && (
        <div class="toast toast-undo" role="status">
          <span>
            Deleted cell [{deleted.index + 1}] <span class="muted">{deleted.label}</span>
          </span>
          <button type="button" class="btn-primary" onClick={undoDelete}>Undo delete</button>
          <button type="button" onClick={() => setDeleted(null)} aria-label="Dismiss">
            ✕
          </button>
        </div>
      )}
      {(state.awaitingApproval?.length ?? 0) > 0 && (
        <div class="banner banner-static banner-approval" role="status">
          <span>
            This notebook's cells ask for{" "}
            {state.awaitingApproval!.map((g) => <code key={g}>{g}</code>)}; they run only once you
            approve.
          </span>{" "}
          <button
            type="button"
            onClick={() =>
              call<{ state: NotebookState }>("POST", "/approve-grants", {
                grants: state.awaitingApproval,
              }).then((r) =>
                applyState(r.state)
              ).catch(report)}
          >
            Approve
          </button>
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
      {help && (
        <KeysHelp
          onClose={() => {
            setHelp(false);
            if (selectedRef.current) focusCell(selectedRef.current, "box");
          }}
        />
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
            conflict={conflicts[c.id]}
            saving={saving[c.id] ?? false}
            runningSince={runningSince[c.id]}
            createEditor={createEditor}
            actions={actions}
            flash={flash === c.id}
            selected={selected === c.id}
            editing={mdEditing[c.id] ?? false}
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
                  showCell(id);
                }}
              />
            )}
            {panel === "variables" && ( // issue 16
              <VariablesPanel
                cells={state.cells}
                version={state.seq}
                load={async () =>
                  (await call<{ variables: VariableRow[] }>("GET", "/variables")).variables}
                onSelect={(id) => {
                  if (matchMedia("(max-width: 900px)").matches) setPanel(null);
                  showCell(id);
                }}
              />
            )}
            {panel === "timings" && <TimingsDrawer cells={state.cells} lastRun={lastRun} />}
            {panel === "runtime" && (
              <RuntimePanel
                env={state.env}
                secretManager={state.secretManager}
                save={async (values, secret) =>
                  applyState(await call<NotebookState>("PUT", "/env", { values, secret }))}
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
  variables: "Variables", // issue 16
};
