/** The HTML document around every page: head, stylesheet, and optionally one hydrated island. */
import type { ComponentChildren } from "preact";
import { serializeProps } from "../lib/ui/serialize_props.ts";

/** An island to hydrate: its server-rendered markup plus the props and script that revive it. */
export interface IslandMount {
  /** Island name: the element ids are `island-<name>` and `island-<name>-props`. */
  name: string;
  props: unknown;
  /** Hashed URL of the island's entry module; absent when assets are unavailable (no hydration). */
  script?: string;
  children: ComponentChildren;
}

/** Props of PageShell. */
export interface PageShellProps {
  title: string;
  /** Hashed stylesheet URL; absent falls back to no stylesheet. */
  css?: string;
  /** Hashed icon URL. @default "/favicon.ico" */
  icon?: string;
  /** Module scripts to preload (e.g. the lazily imported editor). */
  preload?: string[];
  island?: IslandMount;
  children?: ComponentChildren;
}

/** The document. Rendered to a string with a doctype by `renderPage`. */
export function PageShell(
  { title, css, icon = "/favicon.ico", preload = [], island, children }: PageShellProps,
) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{title}</title>
        <link rel="icon" href={icon} type="image/svg+xml" />
        {css && <link rel="stylesheet" href={css} />}
        {island?.script && <link rel="modulepreload" href={island.script} />}
        {preload.map((p) => <link key={p} rel="modulepreload" href={p} />)}
      </head>
      <body>
        {island && <div id={`island-${island.name}`} class="island">{island.children}</div>}
        {children}
        {island && (
          <script
            type="application/json"
            id={`island-${island.name}-props`}
            dangerouslySetInnerHTML={{ __html: serializeProps(island.props) }}
          />
        )}
        {island?.script && <script type="module" src={island.script} />}
      </body>
    </html>
  );
}
