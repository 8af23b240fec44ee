/** HTML escaping shared by the markdown renderer and the sanitizer (browser and server). */

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for use in HTML content or a double-quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]);
}

/** Decodes the character references an attacker might use to hide a URL scheme. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);?/gi, (whole, ref: string) => {
    const lower = ref.toLowerCase();
    if (lower.startsWith("#x")) return safeCodePoint(parseInt(lower.slice(2), 16)) ?? whole;
    if (lower.startsWith("#")) return safeCodePoint(parseInt(lower.slice(1), 10)) ?? whole;
    return NAMED[lower] ?? whole;
  });
}

const NAMED: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: "\u00a0",
  colon: ":",
  tab: "\t",
  newline: "\n",
};

function safeCodePoint(n: number): string | undefined {
  if (!Number.isFinite(n) || n < 0 || n > 0x10ffff) return undefined;
  return String.fromCodePoint(n);
}

/**
 * True for URLs safe in href/src: relative, fragment, http(s), mailto, and (when `allowImageData`)
 * data:image/png|gif|jpeg|webp. Control characters and whitespace are ignored when reading the
 * scheme, as browsers do, so "java\tscript:" is still refused.
 */
export function isSafeUrl(raw: string, allowImageData = false): boolean {
  // deno-lint-ignore no-control-regex
  const url = decodeEntities(raw).replace(/[\u0000-\u0020\u007f-\u009f]/g, "").toLowerCase();
  const scheme = /^([a-z][a-z0-9+.-]*):/.exec(url)?.[1];
  if (scheme === undefined) return true;
  if (scheme === "http" || scheme === "https" || scheme === "mailto") return true;
  if (allowImageData && scheme === "data") return /^data:image\/(png|gif|jpeg|webp);/.test(url);
  return false;
}
