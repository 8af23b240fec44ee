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

const TOKEN =
  /<!--[\s\S]*?(?:-->|$)|<!\[CDATA\[[\s\S]*?(?:\]\]>|$)|<![^>]*>?|<\?[^>]*>?|<(\/?)([a-zA-Z][a-zA-Z0-9:-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g;
const ATTR = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

/** Returns `html` with only allowlisted elements, attributes and URLs; never throws. */
export function sanitizeHtml(html: string): string {
  let out = "";
  let last = 0;
  let dropping: string | null = null;
  const open: string[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(html); m; m = TOKEN.exec(html)) {
    if (dropping === null) out += text(html.slice(last, m.index));
    last = TOKEN.lastIndex;
    const name = m[2]?.toLowerCase();
    if (!name) continue; // comment, doctype, CDATA, processing instruction
    const closing = m[1] === "/";
    if (dropping !== null) {
      if (closing && name === dropping) dropping = null;
      continue;
    }
    if (DROP_CONTENT.has(name)) {
      if (!closing && !/\/\s*$/.test(m[3])) dropping = name;
      continue;
    }
    if (!TAGS.has(name)) continue;
    if (closing) {
      const at = open.lastIndexOf(name);
      if (at === -1) continue;
      while (open.length > at) out += `</${open.pop()}>`;
      continue;
    }
    out += `<${name}${attributes(name, m[3])}>`;
    if (!VOID.has(name)) open.push(name);
  }
  if (dropping === null) out += text(html.slice(last));
  while (open.length) out += `</${open.pop()}>`;
  return out;
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
