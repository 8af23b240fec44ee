/**
 * App mode: a notebook shown as an app (markdown, outputs, widgets; no code, no editing).
 * `app.open` (scope `notebook:read`) shows it; `app.run` and `app.set_widget` (scope `app:use`)
 * run it with the viewer's own widget values. The ACL resource is the notebook's, as for the
 * editor. A viewer is the route's viewer cookie, joined with the caller's principal, so one
 * principal can never reach another's state by presenting their cookie.
 */
import { z } from "zod";
import { inViewerQueue, type ViewerState, type ViewerStore } from "../apps/viewer_store.ts";
import { createViewerStore } from "../apps/viewer_store.ts";
import { appView, runForViewer } from "../apps/app_runs.ts";
import { downstreamOf } from "../notebook/dag.ts";
import type { AppView } from "../protocol/app_view.ts";
import type { NotebookSession } from "../session/notebook_session.ts";
import { assertNotRoot } from "../session/paths.ts";
import { findWidgetSpec, valueToStore } from "../widgets/widget_specs.ts";
import { type CommandContext, defineCommand } from "./command.ts";
import type { CommandDeps } from "./deps.ts";
import {
  assertNotebookFolder,
  cellId,
  type FolderTarget,
  folderTarget,
  notebookPath,
} from "./_targets.ts";
import { widgetName } from "./widget_commands.ts";

/** A viewer id as the app page's cookie holds it (random, 128 bits or more). */
export const viewerId = z.string().regex(/^[A-Za-z0-9_-]{22,64}$/, {
  error: "Invalid viewer: open the app page first (it sets the viewer cookie)",
});

// One store per command deps (per server), made on first use: no state at import time.
const stores = new WeakMap<CommandDeps, ViewerStore>();

function viewerOf(s: NotebookSession, input: { viewer: string }, ctx: CommandContext): ViewerState {
  let store = stores.get(ctx.deps);
  if (!store) stores.set(ctx.deps, store = createViewerStore());
  const who = `${ctx.caller.identity.principal ?? ""}\u0000${input.viewer}`;
  return store.get(`${s.scope.tenantHash}\u0000${s.root}`, who);
}

async function openSession(t: FolderTarget, ctx: CommandContext): Promise<NotebookSession> {
  assertNotRoot(await Deno.realPath(t.root), t.abs);
  await assertNotebookFolder(
    t.abs,
    `Cannot open app '${t.given}': it is not a notebook folder (no notebook.toml)`,
  );
  return await ctx.deps.sessions.open(ctx.caller.tenant, t.abs, t.shown);
}

const appInput = z.object({ path: notebookPath, viewer: viewerId });

/** `app.open {path, viewer}`: the app as this viewer sees it (cached results; nothing runs). */
export const appOpen = defineCommand({
  name: "app.open",
  description: "Show a notebook as an app for one viewer (markdown, outputs, widgets; no code)",
  scope: "notebook:read",
  input: appInput,
  qos: null,
  audit: null,
  resolve: (input, ctx) => folderTarget(input.path, ctx),
  async run(t, input, ctx): Promise<AppView> {
    const s = await openSession(t, ctx);
    return await appView(s, viewerOf(s, input, ctx), ctx.deps.runtime);
  },
});

/** `app.run {path, viewer}`: computes the app's cells with the viewer's values (cache first). */
export const appRun = defineCommand({
  name: "app.run",
  description: "Run an app's cells with the viewer's widget values (cache hits where valid)",
  scope: "app:use",
  input: appInput,
  qos: "interactive",
  audit: null,
  resolve: (input, ctx) => folderTarget(input.path, ctx),
  async run(t, input, ctx): Promise<AppView> {
    const s = await openSession(t, ctx);
    const viewer = viewerOf(s, input, ctx);
    return await inViewerQueue(viewer, async () => {
      const run = await runForViewer(s, viewer, ctx.deps.runtime, {
        principal: ctx.caller.identity.principal,
        signal: ctx.caller.signal,
      });
      return { ...await appView(s, viewer, ctx.deps.runtime), run };
    });
  },
});

/**
 * `app.set_widget {path, viewer, cellId, name, value}`: moves a widget for this viewer only
 * (validated like `widget.set`) and runs its cell and the cells downstream with the new value.
 */
export const appSetWidget = defineCommand({
  name: "app.set_widget",
  description: "Move a widget of an app for this viewer only and re-run what depends on it",
  scope: "app:use",
  input: appInput.extend({ cellId, name: widgetName, value: z.unknown() }),
  qos: "interactive",
  audit: null,
  resolve: (input, ctx) => folderTarget(input.path, ctx),
  async run(t, input, ctx): Promise<AppView> {
    const s = await openSession(t, ctx);
    const viewer = viewerOf(s, input, ctx);
    return await inViewerQueue(viewer, async () => {
      const before = await appView(s, viewer, ctx.deps.runtime);
      const cell = before.cells.find((c) => c.id === input.cellId && c.kind === "output");
      const spec = findWidgetSpec(cell?.computed ? cell.displays : undefined, input);
      const stored = valueToStore(spec, input.value);
      viewer.widgets[input.cellId] = {
        ...viewer.widgets[input.cellId],
        [input.name]: stored ?? null,
      };
      const targets = [input.cellId, ...downstreamOf(s.model.dag, input.cellId)];
      const run = await runForViewer(s, viewer, ctx.deps.runtime, {
        targets,
        principal: ctx.caller.identity.principal,
        signal: ctx.caller.signal,
      });
      return { ...await appView(s, viewer, ctx.deps.runtime), run };
    });
  },
});
