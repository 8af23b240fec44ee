/**
 * Normalized source hash: SHA-256 over the syntax tree's token stream with comments, whitespace,
 * statement-ending semicolons and list-separating commas left out, and node kinds recorded as
 * structure. So reformatting (`deno fmt`, added semicolons, trailing commas, quote style,
 * comments) keeps the hash, while any change a parser would notice changes it. Structure markers
 * matter: `a\n(b)` (a call) and `a;\n(b)` (two statements) share tokens but not trees.
 */
import type ts from "typescript";
import { createHash } from "node:crypto";
import { loadTypeScript, type Ts } from "./_typescript.ts";

/** Hashes an already parsed TypeScript cell (the analyzer reuses its parse). */
export function hashSourceFile(t: Ts, sf: ts.SourceFile): string {
  // One digest over the joined stream: the same bytes as updating token by token, with one call
  // into node:crypto instead of one per token (≈10–30 % less CPU for the hash, issue 20).
  const parts = ["strata-src-v1\n"];
  const K = t.SyntaxKind;
  function emit(node: ts.Node, parent: ts.Node | undefined, last: boolean): void {
    const kind = node.kind;
    if (kind >= K.FirstJSDocNode && kind <= K.LastJSDocNode) return;
    if (kind === K.SemicolonToken && last && parent && parent.kind !== K.ForStatement) return;
    if (kind === K.CommaToken && parent?.kind === K.SyntaxList) return;
    if (kind === K.EndOfFileToken) return;
    const children = node.getChildren(sf);
    if (children.length === 0) {
      parts.push(`${kind}:${leafText(t, node)}\u0000`);
      return;
    }
    parts.push(`(${kind}\u0000`);
    children.forEach((c, i) => emit(c, node, i === children.length - 1));
    parts.push(")\u0000");
  }
  emit(sf, undefined, false);
  return createHash("sha256").update(parts.join("")).digest("hex");
}

function leafText(t: Ts, node: ts.Node): string {
  if (t.isIdentifier(node) || t.isPrivateIdentifier(node)) return node.text;
  if (t.isStringLiteral(node)) return JSON.stringify(node.text);
  if (t.isTemplateLiteralToken(node)) return JSON.stringify(node.rawText ?? node.text);
  if (t.isNumericLiteral(node) || t.isBigIntLiteral(node) || t.isRegularExpressionLiteral(node)) {
    return node.text;
  }
  if (t.isJsxText(node)) return node.containsOnlyTriviaWhiteSpaces ? "" : JSON.stringify(node.text);
  return "";
}

/** Hash of a markdown or prompt cell: its text with line endings normalized (markdown's trailing
 * double space is a line break, so blanks inside the text count). */
export function textHash(text: string): string {
  const normalized = text.replace(/\r\n?/g, "\n").replace(/\n+$/, "");
  return createHash("sha256").update("strata-text-v1\n" + normalized).digest("hex");
}

/** Options for normalizedSourceHash. */
export interface SourceHashOptions {
  /** @default "typescript" */
  language?: "typescript" | "markdown" | "prompt";
  /** Parse as TSX (cells that use JSX). @default false */
  jsx?: boolean;
}

/** Normalized hash of one cell's source; loads the TypeScript parser on first use. */
export async function normalizedSourceHash(
  source: string,
  options: SourceHashOptions = {},
): Promise<string> {
  if ((options.language ?? "typescript") !== "typescript") return textHash(source);
  const t = await loadTypeScript();
  const kind = options.jsx ? t.ScriptKind.TSX : t.ScriptKind.TS;
  const sf = t.createSourceFile("cell.ts", source, t.ScriptTarget.Latest, true, kind);
  return hashSourceFile(t, sf);
}
