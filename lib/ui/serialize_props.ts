/** Island props travel as JSON inside a <script type="application/json"> element. */

/**
 * Serializes island props for embedding in HTML. `<`, `>`, `&` and the JavaScript line
 * separators are escaped as \uXXXX, so `</script>` or `<!--` inside a string cannot end or
 * confuse the element; JSON.parse restores them unchanged.
 */
export function serializeProps(props: unknown): string {
  return JSON.stringify(props ?? null).replace(/[<>&\u2028\u2029]/g, (ch) => {
    return `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
}
