/** GET / — the home page: create, open and delete notebooks. */
import type { Context } from "hono";
import { PageShell } from "../../components/page_shell.tsx";
import { HomeApp, type HomeAppProps } from "../../islands/home.tsx";
import type { AppEnv } from "../../lib/http/context.ts";
import { discoverNotebooks } from "../../lib/session/discover.ts";
import type { IslandBuild } from "../../lib/ui/island_assets.ts";
import { renderDocument } from "../../lib/ui/render_page.ts";
import type { ApiDeps } from "../api/deps.ts";
import { authorize } from "../api/_helpers.ts";

/** Renders the home page with the discover list. */
export async function homePage(
  deps: ApiDeps,
  c: Context<AppEnv>,
  build: IslandBuild | null,
): Promise<string> {
  authorize(deps, c, "notebook:read");
  const props: HomeAppProps = { notebooks: [], listError: null, root: null };
  if (deps.config.deploymentMode === "personal") {
    // Personal mode: the visitor is the machine's owner, so the root's real path is theirs to see.
    props.root = await deps.notebookRoot(c.var.tenant);
    let list = await discoverNotebooks(props.root);
    const me = c.var.identity.principal;
    if (deps.config.personalModeUserHeader) {
      list = list.filter((n) => n.owner === null || n.owner === me);
    }
    props.notebooks = list;
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
