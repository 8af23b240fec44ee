/**
 * Markdown cells and `markdown` display outputs, rendered with markdown-it (CommonMark plus pipe
 * tables and strikethrough), on the server for the page, the app view and the HTML export, and in
 * the browser as a cell is edited. Safe HTML by construction: raw HTML in the source is shown as
 * text (`html: false`), and every link or image URL must pass `isSafeUrl` (relative, http(s),
 * mailto; `data:image/…` for images only).
 *
 * The renderer was hand-written until issue 20's review found that its regular expressions
 * backtracked: a heading of "# a", 4,000 spaces and "b" took 17 s of the server's thread (1,000
 * spaces 0.3 s, 2,000 3 s), and a cell's `display.markdown` or a collaborator's markdown cell
 * would freeze every page render of the notebook. markdown-it parses in linear time and keeps
 * tests of such inputs (docs/architecture.md).
 */
import MarkdownIt from "markdown-it";
import { isSafeUrl } from "./html_escape.ts";

const md = new MarkdownIt("default", { html: false, linkify: false, typographer: false });
// markdown-it asks once for links and images alike: data: URLs pass here for images only.
md.validateLink = (url) => isSafeUrl(url, true);
const render = md.renderer.rules;
render.link_open = (tokens, idx, options, _env, self) => {
  const link = tokens[idx];
  if (!isSafeUrl(String(link.attrGet("href") ?? ""))) link.attrs = []; // a data: URL on a link
  else {
    link.attrSet("rel", "noopener noreferrer nofollow");
    link.attrSet("target", "_blank");
  }
  return self.renderToken(tokens, idx, options);
};

/** Renders Markdown source to safe HTML. */
export function renderMarkdown(source: string): string {
  return md.render(source);
}
