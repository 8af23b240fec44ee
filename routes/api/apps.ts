/**
 * App mode over HTTP: `POST /v1/apps/open|run {path}` and `PUT /v1/apps/widget {path, cellId,
 * name, value}`. The viewer is the app page's cookie (set by `GET /apps/...`), never a body field;
 * a client without one gets a new viewer (and its cookie).
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { callerOf, jsonBody } from "../../lib/http/caller.ts";
import type { AppEnv } from "../../lib/http/context.ts";
import type { ApiDeps } from "./deps.ts";

/** The cookie naming an app viewer. */
export const VIEWER_COOKIE = "strata_viewer";

/** Routes under /v1/apps. */
export function appRoutes(deps: ApiDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { dispatch } = deps.dispatcher;
  const input = async (c: Context<AppEnv>) => ({
    ...await jsonBody(c),
    viewer: viewerCookie(c),
  });
  app.post(
    "/open",
    async (c) => c.json(await dispatch("app.open", await input(c), callerOf(c, "app"))),
  );
  app.post(
    "/run",
    async (c) => c.json(await dispatch("app.run", await input(c), callerOf(c, "app"))),
  );
  app.put("/widget", async (c) => {
    return c.json(await dispatch("app.set_widget", await input(c), callerOf(c, "app")));
  });
  return app;
}

/** The request's viewer id; a missing or malformed one is replaced by a new one (cookie set). */
export function viewerCookie(c: Context<AppEnv>): string {
  const viewer = getCookie(c, VIEWER_COOKIE);
  if (viewer && VIEWER_RE.test(viewer)) return viewer;
  const fresh = newViewerId();
  setCookie(c, VIEWER_COOKIE, fresh, {
    path: "/",
    httpOnly: true,
    sameSite: "Strict",
    secure: new URL(c.req.url).protocol === "https:",
  });
  return fresh;
}

const VIEWER_RE = /^[A-Za-z0-9_-]{22,64}$/;

function newViewerId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_");
}
