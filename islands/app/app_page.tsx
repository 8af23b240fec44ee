/**
 * The app island: a notebook as an app (markdown, outputs, widgets; no code). Moving a widget
 * calls `app.set_widget` for this viewer only; a first visit whose cells have no result yet for
 * the viewer's values calls `app.run`. Both answer the whole view.
 */
import { useEffect, useState } from "preact/hooks";
import type { AppCellView, AppView } from "../../lib/protocol/app_view.ts";
import { renderMarkdown } from "../../lib/ui/markdown.ts";
import { apiCall } from "../notebook/api_client.ts";
import { DisplayView } from "../notebook/outputs.tsx";
import { WidgetControl } from "./widget_control.tsx";

/** Props of AppPage (embedded in the page as JSON). */
export interface AppPageProps {
  view: AppView;
  /** The editor's URL, when the viewer may want it (shown as a small link). */
  editorHref?: string;
}

/** The whole app. */
export function AppPage({ view: initial, editorHref }: AppPageProps) {
  const [view, setView] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function call(fn: () => Promise<AppView>) {
    setBusy(true);
    setError(null);
    try {
      setView(await fn());
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }
  useEffect(() => {
    if (view.cells.some((c) => c.kind === "output" && !c.computed)) {
      call(() => apiCall<AppView>("POST", "/v1/apps/run", { path: view.path }));
    }
  }, []);

  const setWidget = (cellId: string) => async (name: string, value: unknown) => {
    setBusy(true);
    setError(null);
    try {
      setView(
        await apiCall<AppView>("PUT", "/v1/apps/widget", { path: view.path, cellId, name, value }),
      );
    } finally {
      setBusy(false);
    }
  };
  const hits = view.run?.filter((r) => r.cacheHit).length ?? 0;
  return (
    <main class={`app-page${busy ? " app-busy" : ""}`} aria-busy={busy}>
      <header class="app-header">
        <span class="app-name">{view.name}</span>
        {editorHref && <a class="app-edit" href={editorHref}>Open in editor</a>}
      </header>
      {error && <p class="banner banner-error" role="alert">{error}</p>}
      {view.cells.map((c) => <AppCell key={c.id} cell={c} onWidget={setWidget(c.id)} />)}
      <footer class="app-footer" data-run-hits={hits} data-run-cells={view.run?.length ?? 0}>
        {view.run
          ? `Last update: ${view.run.length} cell${
            view.run.length === 1 ? "" : "s"
          }, ${hits} from cache`
          : ""}
      </footer>
    </main>
  );
}

function AppCell(
  { cell, onWidget }: {
    cell: AppCellView;
    onWidget: (name: string, value: unknown) => Promise<void>;
  },
) {
  if (cell.kind === "markdown") {
    return (
      <section
        class="app-cell app-markdown md"
        dangerouslySetInnerHTML={{ __html: renderMarkdown(cell.markdown ?? "") }}
      />
    );
  }
  if (!cell.computed) {
    return <section class="app-cell app-pending" data-cell-id={cell.id}>Computing…</section>;
  }
  if (cell.displays.length === 0 && !cell.error) return null;
  return (
    <section class="app-cell app-output" data-cell-id={cell.id} data-cache-hit={cell.cacheHit}>
      {cell.error && (
        <div class="output-error" role="alert">
          <strong>Error</strong>: {cell.error.message}
        </div>
      )}
      {cell.displays.map((d, i) =>
        d.type === "widget"
          ? <WidgetControl key={i} spec={d.data} onChange={(v) => onWidget(d.data.name, v)} />
          : <DisplayView key={i} display={d} />
      )}
    </section>
  );
}
