/** Renders a Preact page tree to a complete HTML document. */
import type { VNode } from "preact";
import { renderToString } from "preact-render-to-string";

/** `<!doctype html>` plus the rendered tree. */
export function renderDocument(tree: VNode): string {
  return `<!doctype html>${renderToString(tree)}`;
}
