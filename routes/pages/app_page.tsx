/**
 * GET /apps/<path...> — a notebook as an app: markdown, outputs and widgets, no code. Each
 * browser gets a viewer cookie (random, HttpOnly, SameSite=Strict) naming its own widget values.
 */
import type { Context } from "hono";
import { PageShell } from "../../components/page_shell.tsx";
import { AppPage, type AppPageProps } from "../../islands/app/app_page.tsx";
import { ValidationError } from "../../lib/errors.ts";
import { callerOf } from "../../lib/http/caller.ts";
import type { AppEnv } from "../../lib/http/context.ts";
import type { IslandBuild } from "../../lib/ui/island_assets.ts";
import { renderDocument } from "../../lib/ui/render_page.ts";
import { viewerCookie } from "../api/apps.ts";
import type { ApiDeps } from "../api/deps.ts";

/** Renders the app page of the notebook named by the URL path. */
export async function appPage(
  deps: ApiDeps,
  c: Context<AppEnv>,
  build: IslandBuild | null,
): Promise<string> {
  const path = appPathOf(new URL(c.req.url).pathname);
  const viewer = viewerCookie(c);
  const view = await deps.dispatcher.dispatch("app.open", { path, viewer }, callerOf(c, "page"));
  const props: AppPageProps = { view };
  return renderDocument(
    <PageShell
      title={`${view.name} · Strata`}
      css={build?.urls["app.css"]}
      icon={build?.urls["favicon.svg"]}
      island={{
        name: "app",
        props,
        script: build?.urls["app.js"],
        children: <AppPage {...props} />,
      }}
    />,
  );
}

/** The notebook path in `/apps/<path...>`, each segment URL-decoded. */
export function appPathOf(pathname: string): string {
  const rest = pathname.replace(/^\/apps\/?/, "").replace(/\/+$/, "");
  if (!rest) return ".";
  try {
    return rest.split("/").map(decodeURIComponent).join("/");
  } catch {
    throw new ValidationError(`The notebook path in the URL is not valid: '${rest}'`);
  }
}
