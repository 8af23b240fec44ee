/**
 * Interactive HTML outputs (issue 16). An `iframe` display (and any HTML output with a script)
 * runs in `<iframe sandbox="allow-scripts">` without `allow-same-origin`: an opaque origin that
 * cannot read the page, its cookies or its storage.
 *
 * Why not `srcdoc`: an about:srcdoc document inherits the page's own CSP (`script-src 'self'`),
 * which blocks every inline script. So the iframe loads OUTPUT_FRAME_PATH, a static page served
 * with its own CSP (inline code and data:/blob: URLs only, no network; `sandbox allow-scripts`,
 * so it is origin-less even when opened directly). It asks its parent for the HTML, once, and
 * replaces itself with it plus the page's palettes and a script that reports its height.
 */

/** The CSP of an iframe output: inline code and data/blob URLs only, no network at all. */
export const IFRAME_CSP = [
  "default-src 'none'",
  "script-src 'unsafe-inline' 'unsafe-eval' data: blob:",
  "style-src 'unsafe-inline' data: blob:",
  "img-src data: blob:",
  "font-src data: blob:",
  "media-src data: blob:",
  "worker-src data: blob:",
  "connect-src 'none'",
  "frame-src 'none'",
  "form-action 'none'",
  "base-uri 'none'",
].join("; ");

/** Where the static frame host is served. */
export const OUTPUT_FRAME_PATH = "/output-frame";

/** The message the frame host posts when it can take the HTML. */
export const IFRAME_READY_MESSAGE = "strata:iframe-ready";

/** The message the page answers with: `{ type, html }`. */
export const IFRAME_HTML_MESSAGE = "strata:iframe-html";

/** The message type the iframe posts to report its content height. */
export const IFRAME_HEIGHT_MESSAGE = "strata:iframe-height";

/** Response headers of the frame host: its CSP is the whole security boundary of the frame. */
export const OUTPUT_FRAME_HEADERS: Record<string, string> = {
  "content-security-policy": `${IFRAME_CSP}; sandbox allow-scripts; frame-ancestors 'self'`,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

const THEME = ":root{color-scheme:light dark;color:#1d1f23;background:transparent;" +
  "font-family:system-ui,sans-serif;--plot-background:transparent}" +
  "@media (prefers-color-scheme: dark){:root{color:#e6e8eb}}body{margin:0}";

const RESIZE = `(()=>{const post=()=>parent.postMessage({type:"${IFRAME_HEIGHT_MESSAGE}",` +
  `height:document.documentElement.scrollHeight},"*");addEventListener("load",post);` +
  `new ResizeObserver(post).observe(document.documentElement);post();})();`;

/** The document an HTML output becomes inside the frame (the CSP comes from the response). */
export function iframeDocument(html: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><style>${THEME}</style></head>` +
    `<body>${html}<script>${RESIZE}</script></body></html>`;
}

/**
 * The frame host page: takes the first HTML message from its parent (only from its parent, only
 * once) and replaces itself with iframeDocument(html). It holds no data of its own.
 */
export function outputFrameHost(): string {
  const head = JSON.stringify(iframeDocument("\u0000").split("\u0000")).replace(/</g, "\\u003c");
  return `<!doctype html><html><head><meta charset="utf-8"><title>output</title></head><body>` +
    `<script>(()=>{if(parent===window)return;let done=false;const doc=${head};` +
    `addEventListener("message",(e)=>{const d=e.data;if(done||e.source!==parent||!d||` +
    `d.type!=="${IFRAME_HTML_MESSAGE}"||typeof d.html!=="string")return;done=true;` +
    `document.open();document.write(doc[0]+d.html+doc[1]);document.close();});` +
    `parent.postMessage({type:"${IFRAME_READY_MESSAGE}"},"*");})();</script></body></html>`;
}

/**
 * Whether HTML output has a script and so runs in the iframe. Inline handlers alone do not: the
 * sanitizer path drops them (static HTML stays static).
 */
export function needsIframe(html: string): boolean {
  return /<script\b/i.test(html);
}
