/** Which env keys are secrets: their values are blanked on disk and never hashed, logged or shown. */

const MARKERS = ["KEY", "SECRET", "TOKEN", "PASSWORD", "CREDENTIAL"];

/** The markers as a phrase for messages: "KEY, SECRET, TOKEN, PASSWORD or CREDENTIAL". */
export const SENSITIVE_MARKERS = `${MARKERS.slice(0, -1).join(", ")} or ${MARKERS.at(-1)}`;

/** True when the uppercased key contains KEY, SECRET, TOKEN, PASSWORD or CREDENTIAL. */
export function isSensitiveKey(name: string): boolean {
  const upper = name.toUpperCase();
  return MARKERS.some((m) => upper.includes(m));
}
