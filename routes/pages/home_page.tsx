/** GET / — the home page: create, open and delete notebooks. */
import type { Context } from "hono";
import { PageShell } from "../../components/page_shell.tsx";
import { HomeApp, type HomeAppProps } from "../../islands/home.tsx";
import type { AppEnv } from "../../lib/http/context.ts";
import { callerOf } from "../../lib/http/caller.ts";
import type { IslandBuild } from "../../lib/ui/island_assets.ts";
import { renderDocument } from "../../lib/ui/render_page.ts";
import type { ApiDeps } from "../api/deps.ts";

/** Renders the home page with the discover list. */
export async function homePage(
  deps: ApiDeps,
  c: Context<AppEnv>,
  build: IslandBuild | null,
): Promise<string> {
  const props: HomeAppProps = { notebooks: [], listError: null, root: null };
  if (deps.config.deploymentMode === "personal") {
    props.notebooks = await deps.dispatcher.dispatch(
      "notebook.discover",
      {},
      callerOf(c, "page"),
    );
    // Personal mode: the visitor owns the machine, so the root's real path is theirs to see.
    const dir = deps.config.notebookStorageDir;
    props.root = await Deno.realPath(dir).catch(() => dir);
  } else {
    props.listError =
      "The notebook list is available in personal mode only; open a notebook by its path.";
  }
  return renderDocument(
    <PageShell
      title="Notebooks · Strata"
      css={build?.urls["app.css"]}
      icon={build?.urls["favicon.svg"]}
      island={{
        name: "home",
        props,
        script: build?.urls["home.js"],
        children: <HomeApp {...props} />,
      }}
    />,
  );
}
