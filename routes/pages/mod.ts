/**
 * Server-rendered pages (home, notebook editor), the hashed island assets, and friendly HTML
 * 404/500 pages. Pages render with preact-render-to-string and hydrate in the browser from props
 * embedded as JSON; see lib/ui/island_assets.ts for how the bundles are built and cached.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { dirname, join } from "node:path";
import type { AppEnv } from "../../lib/http/context.ts";
import { type IslandAssets, islandAssets, type IslandBuild } from "../../lib/ui/island_assets.ts";
import type { ApiDeps } from "../api/deps.ts";
import { homePage } from "./home_page.tsx";
import { errorPage, htmlResponse } from "./_render.tsx";
import { notebookPage } from "./notebook_page.tsx";
import { outputFrame } from "./output_frame.ts"; // issue 16
import { appPage } from "./app_page.tsx"; // app mode (issue 17)

/** Options for pageRoutes. */
export interface PageRoutesOptions {
  /** The island assets; defaults to lazily built bundles cached under `<dataDir>/ui`. */
  assets?: IslandAssets;
}

const CONTENT_TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  json: "application/json",
  svg: "image/svg+xml",
};

/** Page routes, mounted at the root after the API. */
export function pageRoutes(deps: ApiDeps, options: PageRoutesOptions = {}): Hono<AppEnv> {
  const codeRoot = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
  const assets = options.assets ?? islandAssets({
    codeRoot,
    cacheDir: join(deps.config.dataDir, "ui"),
    // Beside the running program: where the single-file build puts prebuilt islands.
    prebuiltDirs: [
      join(codeRoot, "dist", "islands"),
      join(dirname(new URL(Deno.mainModule).pathname), "static", "islands"),
    ],
  });
  const app = new Hono<AppEnv>();

  /** The current build, or null (logged) when bundling failed: pages then render without islands. */
  async function build(c: Context<AppEnv>): Promise<IslandBuild | null> {
    try {
      return await assets.ensure();
    } catch (err) {
      c.var.log.error("island bundle unavailable; pages render without interactivity", {
        error: (err as Error).message,
      });
      return null;
    }
  }

  app.get("/output-frame", outputFrame); // issue 16: host page of sandboxed iframe outputs
  app.get("/static/:hash/:name", async (c) => {
    const name = c.req.param("name");
    const body = /^[a-z_]+\.(js|css|svg)$/.test(name)
      ? await assets.read(c.req.param("hash"), name).catch(() => null)
      : null;
    if (!body) return c.text("Not found", 404);
    return c.body(body.slice().buffer as ArrayBuffer, 200, {
      "content-type": CONTENT_TYPES[name.split(".").pop()!],
      "cache-control": "public, max-age=31536000, immutable",
      "x-content-type-options": "nosniff",
    });
  });

  // Browsers ask for /favicon.ico on every page that names no icon (and on JSON answers).
  app.get("/favicon.ico", async (c) => {
    const b = await build(c);
    const body = b && await assets.read(b.hash, "favicon.svg").catch(() => null);
    if (!body) return c.body(null, 204);
    return c.body(body.slice().buffer as ArrayBuffer, 200, {
      "content-type": "image/svg+xml",
      "cache-control": "public, max-age=86400",
      "x-content-type-options": "nosniff",
    });
  });

  app.get("/", async (c) => {
    try {
      return htmlResponse(c, 200, await homePage(deps, c, await build(c)));
    } catch (err) {
      return errorPage(c, err, await build(c).catch(() => null));
    }
  });

  app.get("/notebooks/*", async (c) => {
    try {
      return htmlResponse(c, 200, await notebookPage(deps, c, await build(c)));
    } catch (err) {
      return errorPage(c, err, await build(c).catch(() => null));
    }
  });

  // App mode (issue 17): the notebook as an app, behind the same middleware as every page.
  app.get("/apps/*", async (c) => {
    try {
      return htmlResponse(c, 200, await appPage(deps, c, await build(c)));
    } catch (err) {
      return errorPage(c, err, await build(c).catch(() => null));
    }
  });

  app.get("*", async (c) => {
    // Machine paths keep the JSON 404; everything else a person might type gets a page.
    if (/^\/(v1|health|ready|metrics|static)(\/|$)/.test(c.req.path)) return c.notFound();
    const err = Object.assign(new Error(`There is no page at ${c.req.path}`), { status: 404 });
    return errorPage(c, err, await build(c).catch(() => null));
  });

  return app;
}
