/**
 * Normalized source hash: SHA-256 over the cell's syntax tree (`@babel/parser`, `_babel.ts`) with
 * positions, raw text and comments left out: every node's type and its fields in the order the
 * parser built them, literals by value. So reformatting (`deno fmt`, added semicolons, trailing
 * commas, quote style, comments) keeps the hash, while any change a parser would notice changes
 * it. Parentheses are nodes, and so is structure: `a\n(b)` (a call) and `a;\n(b)` (two
 * statements) share tokens but not trees.
 *
 * Version 2 (`strata-src-v2`, issue 20): version 1 hashed the TypeScript compiler's tree, which
 * meant loading the compiler (≈55 MiB, ≈100–220 ms) to open any notebook. A cached result keyed
 * by a version-1 hash misses once after the upgrade, as after a Deno upgrade (docs/architecture.md).
 */
import { createHash } from "node:crypto";
import {
  type BabelError,
  type BNode,
  CELL_PARSE_OPTIONS,
  CELL_PARSE_OPTIONS_JSX,
  errorText,
  loadBabel,
  META_FIELDS,
  parseErrors,
} from "./_babel.ts";

const PREFIX = "strata-src-v2\n";

/** Fields left out of the hash: positions, raw text, comments and the `#!` line. */
const NOT_HASHED = new Set([...META_FIELDS, "interpreter"]);

/**
 * Hashes an already parsed cell (the analyzer reuses its parse): its program and its errors. One
 * string built by concatenation and one digest (≈3 ms for 100 cells against ≈10 ms with a list of
 * parts and `for…in`, which also visited Babel's prototype methods).
 */
export function hashProgram(program: BNode, errors: readonly BabelError[]): string {
  let s = PREFIX;
  function emit(node: BNode): void {
    s += "(" + node.type;
    const keys = Object.keys(node);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (NOT_HASHED.has(key)) continue;
      const v = node[key];
      if (v === undefined || v === null) continue;
      const kind = typeof v;
      if (kind === "object") {
        if (Array.isArray(v)) {
          s += "\0[" + key;
          for (let j = 0; j < v.length; j++) {
            const c = v[j];
            if (c !== null && typeof c === "object" && typeof c.type === "string") emit(c);
            else s += "\0" + (c === null ? "_" : JSON.stringify(c));
          }
          s += "\0]";
        } else {
          s += "\0" + key + "=";
          if (typeof v.type === "string") emit(v);
          else s += JSON.stringify(v);
        }
      } else if (kind !== "function") {
        s += "\0" + key + "=" + (kind === "string" ? JSON.stringify(v) : String(v));
      }
    }
    s += ")";
  }
  emit(program);
  for (const e of errors) s += "\0!" + (e.reasonCode ?? errorText(e));
  return createHash("sha256").update(s).digest("hex");
}

/** Hash of a cell the parser could not read at all: its text as written. */
export function unparsedHash(source: string): string {
  return createHash("sha256").update(PREFIX + "unparsed\0" + source).digest("hex");
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

/** Normalized hash of one cell's source; loads the parser on first use. */
export async function normalizedSourceHash(
  source: string,
  options: SourceHashOptions = {},
): Promise<string> {
  if ((options.language ?? "typescript") !== "typescript") return textHash(source);
  const babel = await loadBabel();
  try {
    const parsed = babel.parse(source, options.jsx ? CELL_PARSE_OPTIONS_JSX : CELL_PARSE_OPTIONS);
    return hashProgram(parsed.program as unknown as BNode, parseErrors(parsed));
  } catch {
    return unparsedHash(source);
  }
}
