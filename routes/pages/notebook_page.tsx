/**
 * GET /notebooks/<path...> — the editor. Opening by path creates (or joins) the notebook's session
 * on the server, so the first paint already shows the cells and their last outputs.
 */
import type { Context } from "hono";
import { PageShell } from "../../components/page_shell.tsx";
import { NotebookApp, type NotebookAppProps } from "../../islands/notebook/app.tsx";
import { ValidationError } from "../../lib/errors.ts";
import { callerOf } from "../../lib/http/caller.ts";
import type { AppEnv } from "../../lib/http/context.ts";
import type { IslandBuild } from "../../lib/ui/island_assets.ts";
import { renderDocument } from "../../lib/ui/render_page.ts";
import type { ApiDeps } from "../api/deps.ts";

/** Renders the editor page of the notebook named by the URL path. */
export async function notebookPage(
  deps: ApiDeps,
  c: Context<AppEnv>,
  build: IslandBuild | null,
): Promise<string> {
  const rel = notebookPathOf(new URL(c.req.url).pathname);
  const opened = await deps.dispatcher.dispatch(
    "notebook.open",
    { path: rel },
    callerOf(c, "page"),
  );
  // The page's first paint is the view of a client that just connected (cached outputs marked).
  const watch = await deps.dispatcher.dispatch(
    "notebook.watch",
    { sid: opened.sessionId },
    callerOf(c, "page"),
  );
  const props: NotebookAppProps = {
    state: watch.state(),
    urls: { editor: build?.urls["editor.js"] ?? "", dagLayout: build?.urls["dag_layout.js"] ?? "" },
    ai: deps.config.ai !== undefined,
  };
  return renderDocument(
    <PageShell
      title={`${props.state.notebook.name} · Strata`}
      css={build?.urls["app.css"]}
      icon={build?.urls["favicon.svg"]}
      preload={build ? [build.urls["editor.js"]] : []}
      island={{
        name: "notebook",
        props,
        script: build?.urls["notebook.js"],
        children: <NotebookApp {...props} />,
      }}
    >
      {!build && (
        <p class="banner banner-static" role="status">
          Interactive editing is unavailable: the browser bundle could not be built (see the server
          log).
        </p>
      )}
    </PageShell>,
  );
}

/**
 * The notebook path in `/notebooks/<path...>`, each segment URL-decoded; `/notebooks/` is the
 * root folder itself (a root that is a notebook, as with `strata serve ./demo`).
 */
export function notebookPathOf(pathname: string): string {
  const rest = pathname.replace(/^\/notebooks\/?/, "").replace(/\/+$/, "");
  if (!rest) return ".";
  try {
    return rest.split("/").map(decodeURIComponent).join("/");
  } catch {
    throw new ValidationError(`The notebook path in the URL is not valid: '${rest}'`);
  }
}
