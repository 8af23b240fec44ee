/** Validation of list prefixes, the partial-key counterpart of assertBlobKey. */

const PREFIX_RE = /^(?:[A-Za-z0-9._-]+\/)*[A-Za-z0-9._-]*$/;

/**
 * Throws a TypeError for a list prefix that is not the beginning of some valid blob key:
 * odd characters, a leading or doubled `/`, or a complete `.`/`..` segment.
 */
export function assertBlobPrefix(prefix: string): void {
  const complete = prefix.split("/").slice(0, -1);
  if (!PREFIX_RE.test(prefix) || complete.some((p) => p === "." || p === "..")) {
    throw new TypeError(
      `Invalid blob prefix '${prefix}': use [A-Za-z0-9._-] segments joined by '/'`,
    );
  }
}

/** Splits a prefix into its complete directory segments and the trailing partial name. */
export function splitPrefix(prefix: string): { dirs: string[]; rest: string } {
  const parts = prefix.split("/");
  const rest = parts.pop() ?? "";
  return { dirs: parts, rest };
}
