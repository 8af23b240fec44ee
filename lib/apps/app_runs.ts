/**
 * An app viewer's view and runs. A viewer's model is the session's model with the viewer's
 * widget values applied; their runs go through the one run path (recorded and audited like any
 * run, with `app: true`) and read and fill the same content-addressed cache, so a second viewer
 * choosing the same values gets cache hits. Nothing is written to the notebook folder.
 */
import type { AppCellView, AppView } from "../protocol/app_view.ts";
import { lookupCell } from "../runtime/cell_cache.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { secretValues } from "../secrets/env_merge.ts";
import { cellResultRedactor } from "../secrets/redact.ts";
import type { NotebookModel } from "../session/cell_model.ts";
import type { NotebookSession } from "../session/notebook_session.ts";
import { applyWidgets, type WidgetValues } from "../widgets/widget_model.ts";
import { withWidgetValue } from "../widgets/widget_values.ts";
import type { ViewerOutput, ViewerState } from "./viewer_store.ts";

/** The widget values a viewer sees: the notebook's, overridden by the viewer's own. */
export function effectiveWidgets(notebook: WidgetValues, viewer: ViewerState): WidgetValues {
  let out = withWidgetValue(notebook, "", "", undefined);
  for (const [cellId, values] of Object.entries(viewer.widgets)) {
    for (const [name, value] of Object.entries(values)) {
      out = withWidgetValue(out, cellId, name, value === null ? undefined : value);
    }
  }
  return out;
}

/** The session's model with a viewer's widget values. */
export function viewerModel(session: NotebookSession, viewer: ViewerState): NotebookModel {
  return applyWidgets(session.model, effectiveWidgets(session.widgetValues(), viewer));
}

/**
 * What a viewer sees: markdown, and each code cell's displays for the viewer's values: their own
 * last result, else the cache's (anyone's run with the same provenance), else not computed.
 */
export async function appView(
  session: NotebookSession,
  viewer: ViewerState,
  runtime: Runtime,
): Promise<AppView> {
  const model = viewerModel(session, viewer);
  const now = (runtime.deps.now ?? Date.now)();
  const cells: AppCellView[] = [];
  for (const info of model.cells) {
    const id = info.cell.id;
    if (info.cell.language === "markdown") {
      cells.push({
        id,
        kind: "markdown",
        markdown: info.cell.source,
        displays: [],
        error: null,
        computed: true,
        cacheHit: false,
      });
      continue;
    }
    if (info.cell.language !== "typescript") continue;
    const provenance = model.provenance.get(id)?.provenance;
    let out: ViewerOutput | undefined = viewer.outputs.get(id);
    if (out && out.provenance !== provenance) out = undefined;
    if (!out && provenance) {
      const hit = await lookupCell(runtime.deps, session.scope.tenantHash, provenance, [], now);
      if (hit.hit) {
        out = { provenance, status: "ready", cacheHit: true, result: hit.result };
      }
    }
    cells.push({
      id,
      kind: "output",
      displays: out?.result.displays ?? [],
      error: out?.error ? { kind: out.error.kind, message: out.error.message } : null,
      computed: out !== undefined,
      cacheHit: out?.cacheHit ?? false,
    });
  }
  const manifest = session.notebook.manifest;
  return { path: session.scope.path, name: manifest.name, cells };
}

/** Runs `targets` (and what they need) with a viewer's values; their outputs go to the viewer. */
export async function runForViewer(
  session: NotebookSession,
  viewer: ViewerState,
  runtime: Runtime,
  options: { targets?: readonly string[]; principal: string | null; signal?: AbortSignal },
): Promise<NonNullable<AppView["run"]>> {
  // The running principal's sandbox ceiling, as for the session's own runs.
  const base = await session.modelFor(options.principal);
  const model = applyWidgets(base, effectiveWidgets(session.widgetValues(), viewer));
  const manifest = session.notebook.manifest;
  const outcomes = await runtime.run({
    redact: cellResultRedactor(secretValues(session.scope.secrets?.merged())),
    model,
    targets: options.targets ?? model.dag.order,
    mode: "normal",
    signal: options.signal,
    scope: {
      tenantHash: session.scope.tenantHash,
      notebookId: manifest.notebook_id,
      notebookPath: session.scope.path,
      principal: options.principal,
      workers: manifest.workers ?? [],
      timeoutSeconds: manifest.timeout,
      auditDetails: { app: true },
    },
    hooks: {
      persist(o) {
        viewer.outputs.set(o.cellId, {
          provenance: o.provenance,
          status: o.status,
          cacheHit: o.cacheHit,
          result: o.result,
          error: o.error,
        });
      },
    },
  });
  return outcomes.map((o) => ({ cellId: o.cellId, status: o.status, cacheHit: o.cacheHit }));
}
