/** Removes known secret strings from messages before they are shown or logged. */

const REDACTED = "[redacted]";
// Very short values would shred ordinary words ("a", "on"); a 3-char secret is no secret anyway.
const MIN_LENGTH = 4;

/** Replaces every occurrence of each value (and URL user:password parts) with "[redacted]". */
export function scrub(message: string, values: Iterable<string | undefined>): string {
  const sorted = [...new Set([...values].filter((v): v is string => !!v && v.length >= MIN_LENGTH))]
    // Longest first, so a secret that contains another is removed whole.
    .sort((a, b) => b.length - a.length);
  let out = message;
  for (const value of sorted) {
    out = out.split(value).join(REDACTED);
    const encoded = encodeURIComponent(value);
    if (encoded !== value) out = out.split(encoded).join(REDACTED);
  }
  return out.replace(/(\w+:\/\/)[^\s/@]+@/g, `$1${REDACTED}@`);
}
