/**
 * The HTML export: one self-contained page (inline CSS, images as data URLs, no script) with the
 * notebook's markdown, outputs, folded code and a receipt under every output. A Content Security
 * Policy forbids every network request and every script, so opening the file fetches nothing even
 * if an output's HTML names a remote image. Every piece of text is escaped; `html` outputs go
 * through the same allowlist sanitizer as the notebook page, markdown through the same renderer.
 */
import type { DisplayOutput } from "../executor/types.ts";
import { escapeHtml } from "../ui/html_escape.ts";
import { renderMarkdown } from "../ui/markdown.ts";
import { sanitizeHtml } from "../ui/sanitize_html.ts";
import type { NotebookSnapshot, Receipt, SnapshotCell } from "./snapshot.ts";

/** Options for renderHtml. */
export interface HtmlOptions {
  /** Include each code cell's source, folded. @default true */
  code?: boolean;
}

const CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; form-action 'none'; " +
  "base-uri 'none'";

/** Renders a snapshot as one self-contained HTML document. */
export function renderHtml(snapshot: NotebookSnapshot, options: HtmlOptions = {}): string {
  const code = options.code ?? true;
  const nb = snapshot.notebook;
  const outputs = snapshot.cells.filter((c) => c.receipt).length;
  const body = snapshot.cells.map((c, i) => cellHtml(c, i, code)).join("\n");
  const receipts = snapshot.cells.flatMap((c) => (c.receipt ? [c.receipt] : []));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Strata">
<title>${escapeHtml(nb.name)}</title>
<style>${STYLE}</style>
</head>
<body>
<header class="doc-head">
<h1>${escapeHtml(nb.name)}</h1>
<p class="meta">Exported from Strata on ${
    escapeHtml(snapshot.exportedAt)
  } · ${snapshot.cells.length} cells · ${outputs} output${
    outputs === 1 ? "" : "s"
  } with receipts · Deno ${escapeHtml(snapshot.denoVersion)}${
    nb.owner ? ` · owner ${escapeHtml(nb.owner)}` : ""
  }</p>
</header>
<main>
${body}
</main>
<footer class="doc-foot">Each receipt names the provenance hash (source, upstream results and
environment) and the content hash of the stored output; <code>strata verify</code> recomputes them.
Secret values are never exported.</footer>
<script type="application/json" id="strata-receipts">${jsonInHtml(receipts)}</script>
</body>
</html>
`;
}

function cellHtml(cell: SnapshotCell, index: number, code: boolean): string {
  const label = cell.name ?? `Cell ${index + 1}`;
  if (cell.language !== "typescript") {
    const inner = cell.language === "markdown"
      ? noRemote(renderMarkdown(cell.source))
      : `<pre class="prompt">${escapeHtml(cell.source)}</pre>`;
    return `<section class="cell cell-${cell.language}" id="cell-${
      attr(cell.id)
    }">${inner}</section>`;
  }
  const parts: string[] = [];
  if (code) {
    parts.push(
      `<details class="code"><summary>Code · ${escapeHtml(label)}</summary><pre><code>${
        escapeHtml(cell.source)
      }</code></pre></details>`,
    );
  }
  const out = cell.outputs;
  if (!out) {
    parts.push(
      `<p class="no-output">No current output (${
        escapeHtml(cell.status)
      }): this cell has not been run since its last change.</p>`,
    );
  } else {
    if (out.error) {
      const at = out.error.line !== undefined ? ` (line ${out.error.line})` : "";
      parts.push(
        `<div class="error" role="alert"><strong>${escapeHtml(out.error.kind)}</strong>: ${
          escapeHtml(out.error.message)
        }${at}</div>`,
      );
    }
    for (const d of out.displays) parts.push(displayHtml(d));
    if (out.console.length > 0) {
      const lines = out.console.map((e) =>
        `<span class="${e.stream}">${
          escapeHtml(e.text.endsWith("\n") ? e.text : `${e.text}\n`)
        }</span>`
      ).join("");
      parts.push(
        `<details class="console"><summary>Console (${out.console.length} line${
          out.console.length === 1 ? "" : "s"
        }${out.consoleTruncated ? ", truncated" : ""})</summary><pre>${lines}</pre></details>`,
      );
    }
  }
  if (cell.receipt) parts.push(receiptHtml(cell.receipt));
  return `<section class="cell cell-code" id="cell-${attr(cell.id)}">\n${
    parts.join("\n")
  }\n</section>`;
}

/** One display output as safe, self-contained HTML. */
export function displayHtml(d: DisplayOutput): string {
  switch (d.type) {
    case "text":
      return `<pre class="output text">${escapeHtml(d.data)}</pre>`;
    case "markdown":
      return `<div class="output md">${noRemote(renderMarkdown(d.data))}</div>`;
    case "html":
    case "iframe": // issue 16: a static report runs no scripts; the sanitized markup remains
      return `<div class="output html">${noRemote(sanitizeHtml(d.data))}</div>`;
    case "svg":
      // As an image an SVG can neither run scripts nor load anything, and it cannot break out
      // of the attribute: base64 has no quotes.
      return `<img class="output svg" alt="SVG output" src="data:image/svg+xml;base64,${
        base64Utf8(d.data)
      }">`;
    case "png":
      return `<img class="output png" alt="PNG output" src="data:image/png;base64,${
        d.data.replace(/[^A-Za-z0-9+/=]/g, "")
      }">`;
    case "table":
      return tableHtml(d.data);
    case "json":
      return `<pre class="output json">${escapeHtml(JSON.stringify(d.data, null, 2) ?? "")}</pre>`;
    case "widget": // widgets (issue 16): shown at their current value
      return `<p class="output widget"><b>${escapeHtml(d.data.label ?? d.data.name)}</b>: ${
        escapeHtml(JSON.stringify(d.data.value) ?? "")
      }</p>`;
    default:
      return "";
  }
}

function tableHtml(t: { columns: string[]; rows: unknown[][]; totalRows: number }): string {
  const head = t.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const rows = t.rows.map((r) =>
    `<tr>${r.map((v) => `<td class="${typeof v}">${escapeHtml(cellText(v))}</td>`).join("")}</tr>`
  ).join("\n");
  const more = t.totalRows > t.rows.length
    ? `<p class="more">${t.rows.length} of ${t.totalRows} rows shown</p>`
    : "";
  return `<div class="output table"><table><thead><tr>${head}</tr></thead><tbody>\n${rows}\n</tbody></table>${more}</div>`;
}

function receiptHtml(r: Receipt): string {
  const perms = Object.entries(r.env.permissions)
    .filter(([, v]) => (v as string[]).length > 0)
    .map(([k, v]) => `${k}=${(v as string[]).join(",")}`).join(" ") || "none (default sandbox)";
  const rows: [string, string, boolean][] = [
    ["cell", `${r.cellName ? `${r.cellName} · ` : ""}${r.cellId}`, false],
    ["provenance", r.provenance, true],
    ["output hash", r.outputHash, true],
    ["env hash", r.env.hash, true],
    ["Deno", r.env.denoVersion, false],
    ["lock file", r.env.lockHash ?? "none", r.env.lockHash !== null],
    ["permissions", perms, false],
    ["worker", r.env.worker, false],
    ["env keys read", r.env.readKeys.join(", ") || "none", false],
    ["computed", r.computedAt ?? "unknown", false],
    ["by", r.computedBy ?? "anonymous (personal mode)", false],
  ];
  const dl = rows.map(([k, v, mono]) =>
    `<dt>${k}</dt><dd${mono ? ' class="hash"' : ""}>${escapeHtml(v)}</dd>`
  ).join("");
  return `<details class="receipt" data-cell="${attr(r.cellId)}" data-provenance="${
    attr(r.provenance)
  }" data-output-hash="${attr(r.outputHash)}"><summary>Receipt · ${
    escapeHtml(r.provenance.slice(0, 12))
  } → ${escapeHtml(r.outputHash.slice(0, 12))}</summary><dl>${dl}</dl></details>`;
}

/** Drops remote image sources (the CSP would block them anyway; this keeps the page quiet). */
function noRemote(html: string): string {
  return html.replace(/<img\b([^>]*?) src="(?!data:)[^"]*"/g, "<img$1");
}

function attr(s: string): string {
  return escapeHtml(s);
}

/** JSON safe inside a script data block: no "<" can close it. */
function jsonInHtml(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(
    /\u2028|\u2029/g,
    (c) => c === "\u2028" ? "\\u2028" : "\\u2029",
  );
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return "";
  return typeof v === "string" ? v : JSON.stringify(v) ?? String(v);
}

function base64Utf8(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

const STYLE = `
:root{color-scheme:light;--fg:#1d232b;--muted:#5d6975;--line:#dde3ea;--bg:#fff;--soft:#f5f7fa;
--accent:#2f6feb;--err:#b42318}
*{box-sizing:border-box}
body{margin:0;font:15px/1.55 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);
background:var(--soft)}
.doc-head,main,.doc-foot{max-width:60rem;margin:0 auto;padding:0 1.25rem}
.doc-head{padding-top:2rem}.doc-head h1{margin:0 0 .25rem;font-size:1.8rem}
.meta,.doc-foot{color:var(--muted);font-size:.85rem}.doc-foot{padding:1.5rem 1.25rem 3rem}
.cell{background:var(--bg);border:1px solid var(--line);border-radius:8px;margin:1rem 0;
padding:.9rem 1.1rem}
.cell-markdown{background:transparent;border:none;padding:.2rem 0}
pre{background:var(--soft);border-radius:6px;padding:.6rem .8rem;overflow:auto;
font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;margin:.5rem 0}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.92em}
details>summary{cursor:pointer;color:var(--muted);font-size:.85rem;user-select:none}
details.code{margin-bottom:.5rem}
.output{margin:.5rem 0}.output.text{background:transparent;padding:0}
img.output{max-width:100%;height:auto;display:block}
.table{overflow:auto;max-height:28rem}
table{border-collapse:collapse;font-size:.88rem}
th,td{border-bottom:1px solid var(--line);padding:.3rem .7rem;text-align:left;white-space:nowrap}
th{background:var(--soft);position:sticky;top:0}td.number{text-align:right;
font-variant-numeric:tabular-nums}
.more,.no-output{color:var(--muted);font-size:.85rem}
.error{color:var(--err);background:#fef3f2;border-radius:6px;padding:.5rem .8rem}
.console pre .stderr{color:var(--err)}
.receipt{margin-top:.6rem;border-top:1px dashed var(--line);padding-top:.4rem}
.receipt dl{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:.5rem 0 0;
font-size:.8rem}
.receipt dt{color:var(--muted)}.receipt dd{margin:0;overflow-wrap:anywhere}
.receipt dd.hash{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
`;
