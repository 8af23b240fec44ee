/**
 * A strict allowlist sanitizer for the `html` display output. It works on strings (no DOM), so the
 * server renders the same markup the browser hydrates. Anything not on the lists is dropped:
 * script/style/iframe/object elements with their content, every `on*` attribute, `style`, and
 * URLs other than http(s), mailto, relative and (for images) raster data URLs.
 */
import { escapeHtml, isSafeUrl } from "./html_escape.ts";

const TAGS = new Set([
  "a",
  "abbr",
  "b",
  "blockquote",
  "br",
  "caption",
  "code",
  "col",
  "colgroup",
  "dd",
  "del",
  "details",
  "div",
  "dl",
  "dt",
  "em",
  "figcaption",
  "figure",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "hr",
  "i",
  "img",
  "ins",
  "kbd",
  "li",
  "mark",
  "ol",
  "p",
  "pre",
  "q",
  "s",
  "samp",
  "small",
  "span",
  "strong",
  "sub",
  "summary",
  "sup",
  "table",
  "tbody",
  "td",
  "tfoot",
  "th",
  "thead",
  "tr",
  "u",
  "ul",
  "var",
]);
const VOID = new Set(["br", "col", "hr", "img"]);
/** Elements removed together with everything inside them. */
const DROP_CONTENT = new Set([
  "script",
  "style",
  "iframe",
  "object",
  "embed",
  "noscript",
  "template",
  "textarea",
  "title",
  "xmp",
  "noembed",
  "noframes",
  "plaintext",
  "svg",
  "math",
  "select",
  "head",
]);
const GLOBAL_ATTRS = new Set([
  "title",
  "lang",
  "dir",
  "class",
  "colspan",
  "rowspan",
  "align",
  "scope",
]);
const TAG_ATTRS: Record<string, Set<string>> = {
  a: new Set(["href"]),
  img: new Set(["src", "alt", "width", "height"]),
  ol: new Set(["start"]),
  td: new Set(["headers"]),
  th: new Set(["headers"]),
  details: new Set(["open"]),
};
const URL_ATTRS = new Set(["href", "src"]);

/** A tag's name after "<" or "</" (sticky: read at one position). */
const TAG_NAME = /([a-zA-Z][a-zA-Z0-9:-]*)/y;
/** A run of a tag's text up to its end or a quote (sticky). */
const TAG_RUN = /[^>"']*/y;
const ATTR = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

/**
 * Returns `html` with only allowlisted elements, attributes and URLs; never throws. One pass, each
 * character read once or twice (issue 20 review: the tokenizer was one regular expression that
 * read from every "<" to the end when no ">" followed, so 20,000 "<a " took 2.7 s of the server's
 * thread). As in a browser, a comment, a tag or a quoted value that the input ends inside is
 * dropped with the rest of the input.
 */
export function sanitizeHtml(html: string): string {
  let out = "";
  let dropping: string | null = null;
  const open: string[] = [];
  const emit = (raw: string) => {
    if (dropping === null) out += text(raw);
  };
  let pos = 0;
  while (pos < html.length) {
    const lt = html.indexOf("<", pos);
    if (lt === -1) break;
    emit(html.slice(pos, lt));
    const skip = markupEnd(html, lt); // comment, CDATA, doctype, processing instruction
    if (skip !== -1) {
      pos = skip;
      continue;
    }
    const closing = html[lt + 1] === "/";
    TAG_NAME.lastIndex = lt + (closing ? 2 : 1);
    const named = TAG_NAME.exec(html);
    if (!named) { // not a tag: "<" is text
      emit("<");
      pos = lt + 1;
      continue;
    }
    const attrsFrom = TAG_NAME.lastIndex;
    const gt = tagEnd(html, attrsFrom);
    if (gt === -1) return finish(out, open); // the input ends inside the tag
    pos = gt + 1;
    const name = named[1].toLowerCase();
    const attrs = html.slice(attrsFrom, gt);
    if (dropping !== null) {
      if (closing && name === dropping) dropping = null;
      continue;
    }
    if (DROP_CONTENT.has(name)) {
      if (!closing && !attrs.trimEnd().endsWith("/")) dropping = name;
      continue;
    }
    if (!TAGS.has(name)) continue;
    if (closing) {
      const at = open.lastIndexOf(name);
      if (at === -1) continue;
      while (open.length > at) out += `</${open.pop()}>`;
      continue;
    }
    out += `<${name}${attributes(name, attrs)}>`;
    if (!VOID.has(name)) open.push(name);
  }
  if (pos < html.length) emit(html.slice(pos));
  return finish(out, open);
}

function finish(out: string, open: string[]): string {
  while (open.length) out += `</${open.pop()}>`;
  return out;
}

/** Where markup that is not an element ends (after it), or -1 when "<" at `lt` is none. */
function markupEnd(html: string, lt: number): number {
  const until = (close: string, from: number) => {
    const at = html.indexOf(close, from);
    return at === -1 ? html.length : at + close.length;
  };
  if (html.startsWith("<!--", lt)) return until("-->", lt + 4);
  if (html.startsWith("<![CDATA[", lt)) return until("]]>", lt + 9);
  if (html[lt + 1] === "!" || html[lt + 1] === "?") return until(">", lt + 2);
  return -1;
}

/** The index of the ">" ending a tag whose attributes start at `from` (quotes skipped), or -1. */
function tagEnd(html: string, from: number): number {
  let at = from;
  for (;;) {
    TAG_RUN.lastIndex = at;
    TAG_RUN.exec(html);
    at = TAG_RUN.lastIndex;
    if (at >= html.length) return -1;
    if (html[at] === ">") return at;
    const close = html.indexOf(html[at], at + 1); // a quoted value
    if (close === -1) return -1;
    at = close + 1;
  }
}

function text(raw: string): string {
  // Existing entities stay as they are; a stray "<" or ">" becomes text.
  return raw.replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function attributes(tag: string, raw: string): string {
  let out = "";
  const seen = new Set<string>();
  ATTR.lastIndex = 0;
  for (let m = ATTR.exec(raw); m; m = ATTR.exec(raw)) {
    const name = m[1].toLowerCase();
    if (seen.has(name)) continue;
    seen.add(name);
    if (!GLOBAL_ATTRS.has(name) && !TAG_ATTRS[tag]?.has(name)) continue;
    const value = m[2] ?? m[3] ?? m[4] ?? "";
    if (URL_ATTRS.has(name) && !isSafeUrl(value, tag === "img")) continue;
    out += ` ${name}="${escapeHtml(value.replace(/&quot;/g, '"').replace(/&amp;/g, "&"))}"`;
  }
  if (tag === "a" && seen.has("href")) out += ' rel="noopener noreferrer nofollow" target="_blank"';
  return out;
}
