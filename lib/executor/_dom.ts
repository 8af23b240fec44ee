/**
 * A server-side DOM for cells that draw (issue 16): Observable Plot, d3 and hand-written code that
 * calls `document.createElement` need `document`/`window`, which Deno does not have. The runner
 * installs linkedom's window as `window`/`document` before it evaluates a cell whose source looks
 * like it needs one; other cells never pay for it (~170 ms to load, measured below).
 *
 * Why linkedom 0.18 and not happy-dom 20 (measured on this machine, warm cache, Plot 0.6.17
 * rendering a 3-bar chart): linkedom loads in ~170-240 ms and is 3.1 MB on disk; happy-dom loads
 * in ~460-990 ms and is 20 MB. Both render Plot's SVG correctly; Plot needs nothing else.
 *
 * Why a source-text trigger: the cheapest reliable signal available before evaluation. A cell
 * needs a DOM when it (or a cell whose code runs with it) imports Plot/d3 or names `document` or
 * `window`. A false positive costs one load; a false negative is a clear "document is not
 * defined" error that the user can fix by naming `document` (e.g. `document;`).
 */

/** The linkedom build the runner loads (also in deno.json imports so `deno install` caches it). */
export const LINKEDOM = "npm:linkedom@0.18.15";

const NEEDS_DOM = /@observablehq\/plot|npm:d3(?:-[a-z]+)?(?:@|["'/])|\bdocument\b|\bwindow\b/;

/** Whether any of these module sources needs a DOM. */
export function needsDom(sources: readonly string[]): boolean {
  return sources.some((s) => NEEDS_DOM.test(s));
}

let installed: Promise<void> | undefined;

/** Installs `window`, `document` and the DOM constructors as globals, once per process. */
export function installDom(): Promise<void> {
  installed ??= (async () => {
    const { parseHTML } = await import(LINKEDOM);
    const win = parseHTML("<!doctype html><html><head></head><body></body></html>");
    const g = globalThis as Record<string, unknown>;
    for (
      const name of [
        "window",
        "document",
        "Node",
        "Element",
        "HTMLElement",
        "SVGElement",
        "DocumentFragment",
        "Text",
      ]
    ) {
      if (g[name] === undefined && win[name] !== undefined) g[name] = win[name];
    }
  })();
  return installed;
}

/**
 * Installs the DOM when these sources need one. A DOM that cannot load (linkedom not in the
 * module cache of a `--cached-only` child) is said on the cell's stderr, not thrown: the cell may
 * not need it after all (a false positive), and if it does, "document is not defined" follows.
 */
export async function prepareDom(sources: readonly string[]): Promise<void> {
  if (!needsDom(sources)) return;
  try {
    await installDom();
  } catch (e) {
    installed = undefined;
    const why = e instanceof Error ? e.message : String(e);
    console.error(`No server-side DOM for this cell (${LINKEDOM} did not load: ${why})`);
  }
}

/** Whether a value is a DOM element (from linkedom or any other DOM). */
export function isDomElement(v: unknown): v is { outerHTML: string; tagName: string } {
  if (v === null || typeof v !== "object") return false;
  const e = v as { nodeType?: unknown; outerHTML?: unknown; tagName?: unknown };
  return e.nodeType === 1 && typeof e.outerHTML === "string" && typeof e.tagName === "string";
}

/**
 * Page-theme CSS put into a chart's SVG: Plot draws text and axes in `currentColor` on
 * `--plot-background`; as an image the SVG cannot see the page's CSS, so it carries the page's
 * two palettes itself and picks one with `prefers-color-scheme` (which is how the page picks).
 */
export const SVG_THEME_CSS = ":root{color:#1d1f23;--plot-background:transparent}" +
  "@media (prefers-color-scheme: dark){:root{color:#e6e8eb}}";

/** An SVG element's markup with the theme style as its first child. */
export function themedSvg(markup: string): string {
  let out = markup.replace(/^<svg\b/i, "<svg");
  if (!/\bxmlns=/.test(out.slice(0, out.indexOf(">")))) {
    out = out.replace(/^<svg/, '<svg xmlns="http://www.w3.org/2000/svg"');
  }
  return out.replace(/^(<svg[^>]*>)/, `$1<style>${SVG_THEME_CSS}</style>`).replace(
    /<\/SVG>$/,
    "</svg>",
  );
}
