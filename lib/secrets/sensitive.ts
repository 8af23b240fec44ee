/** Which env keys are secrets: their values are blanked on disk and never hashed, logged or shown. */

const MARKERS = ["KEY", "SECRET", "TOKEN", "PASSWORD", "CREDENTIAL"];

/** True when the uppercased key contains KEY, SECRET, TOKEN, PASSWORD or CREDENTIAL. */
export function isSensitiveKey(name: string): boolean {
  const upper = name.toUpperCase();
  return MARKERS.some((m) => upper.includes(m));
}
