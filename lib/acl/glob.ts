/** Glob matching for ACL fields: `*` is any run without `/`, `**` is any run at all. */

/**
 * True when `value` matches `pattern`. Every character other than `*` is literal (no `?`, no
 * classes, no escapes), matching is case-sensitive, and the whole value must match.
 *
 * Runs in O(pattern × value) with no regular expressions, so a hostile pattern such as
 * `**a**a**a` cannot make a check backtrack exponentially.
 */
export function globMatch(pattern: string, value: string): boolean {
  const n = value.length;
  // reach[j]: the pattern consumed so far can end exactly before value[j].
  let reach = new Uint8Array(n + 1);
  reach[0] = 1;
  let i = 0;
  while (i < pattern.length) {
    const next = new Uint8Array(n + 1);
    if (pattern[i] === "*") {
      const globstar = pattern[i + 1] === "*";
      let j = reach.indexOf(1);
      if (j === -1) return false;
      if (globstar) {
        next.fill(1, j);
      } else {
        // From each reachable j, a single star may swallow any run of non-slash characters.
        for (; j <= n; j++) {
          if (reach[j] || (j > 0 && next[j - 1] && value[j - 1] !== "/")) next[j] = 1;
        }
      }
      // Runs of stars behave as one star (`*`) or one globstar (`**` or longer).
      while (pattern[i] === "*") i++;
    } else {
      const ch = pattern[i];
      for (let j = 0; j < n; j++) if (reach[j] && value[j] === ch) next[j + 1] = 1;
      i++;
    }
    reach = next;
  }
  return reach[n] === 1;
}
