/**
 * Turns cell values into display outputs (runs in the child). Strings are text, arrays of plain
 * records are tables, PNG bytes are images, values marked with `Symbol.for("strata.display")`
 * (made by `md`, `html`, `svg`) keep their type, anything else is shown via Deno.inspect.
 */

import { Buffer } from "node:buffer";
import type { DisplayOutput, TableData } from "./types.ts";
import { isDomElement, themedSvg } from "./_dom.ts";
import { noteTableSource } from "./_table_source.ts";

/** Marker property: `{ [DISPLAY]: { type, data } }` displays as that output. */
export const DISPLAY: unique symbol = Symbol.for("strata.display") as never;

/** The type a caller may force with `display(x, { type })`. */
export type DisplayType = DisplayOutput["type"];

/** A value carrying its own display output. */
export interface Displayable {
  [DISPLAY]: DisplayOutput;
}

/** Options for toDisplay. */
export interface DisplayOptions {
  type?: DisplayType;
  /** Table rows kept. @default 1000 */
  maxRows?: number;
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Markdown output; usable as a tag (md`# ${title}`) or a call (md("# hi")). */
export function md(strings: TemplateStringsArray | string, ...values: unknown[]): Displayable {
  return { [DISPLAY]: { type: "markdown", data: joinTemplate(strings, values) } };
}

/** HTML output; a tag or a call. */
export function html(strings: TemplateStringsArray | string, ...values: unknown[]): Displayable {
  return { [DISPLAY]: { type: "html", data: joinTemplate(strings, values) } };
}

/** SVG output; a tag or a call. */
export function svg(strings: TemplateStringsArray | string, ...values: unknown[]): Displayable {
  return { [DISPLAY]: { type: "svg", data: joinTemplate(strings, values) } };
}

/** The display output for a value, or undefined when there is nothing to show. */
export function toDisplay(value: unknown, options: DisplayOptions = {}): DisplayOutput | undefined {
  const maxRows = options.maxRows ?? 1000;
  if (options.type) return forced(value, options.type, maxRows);
  if (value === undefined) return undefined;
  if (typeof value === "string") return { type: "text", data: value };
  if (value !== null && typeof value === "object") {
    const marked = (value as Partial<Displayable>)[DISPLAY];
    if (marked && typeof marked === "object" && typeof marked.type === "string") return marked;
    if (isPng(value)) return { type: "png", data: Buffer.from(value).toString("base64") };
    if (isDomElement(value)) return domDisplay(value);
    if (isRecordArray(value)) return sourced({ type: "table", data: table(value, maxRows) }, value);
  }
  return { type: "text", data: inspect(value) };
}

function forced(value: unknown, type: DisplayType, maxRows: number): DisplayOutput {
  switch (type) {
    case "table":
      if (isRecordArray(value)) return sourced({ type, data: table(value, maxRows) }, value);
      throw new TypeError("display(..., { type: 'table' }) needs an array of plain objects");
    case "png":
      if (value instanceof Uint8Array) return { type, data: Buffer.from(value).toString("base64") };
      throw new TypeError("display(..., { type: 'png' }) needs a Uint8Array");
    case "json":
      return { type, data: JSON.parse(JSON.stringify(value, jsonSafe) ?? "null") };
    case "text":
      return { type, data: typeof value === "string" ? value : inspect(value) };
    case "markdown":
    case "html":
    case "svg":
    case "iframe":
      if (isDomElement(value)) return { type, data: value.outerHTML };
      return { type, data: typeof value === "string" ? value : markedData(value) ?? String(value) };
    default:
      throw new TypeError(`Unknown display type '${type}'`);
  }
}

/**
 * A DOM element (a Plot chart, a d3 selection's node): an `<svg>` becomes an SVG image that
 * carries the page theme; anything else holding an SVG or a script needs the iframe (the HTML
 * sanitizer drops both); plain markup stays sanitized HTML.
 */
function domDisplay(el: { outerHTML: string; tagName: string }): DisplayOutput {
  const markup = el.outerHTML;
  if (el.tagName.toLowerCase() === "svg") return { type: "svg", data: themedSvg(markup) };
  if (/<(svg|script)\b/i.test(markup)) return { type: "iframe", data: markup };
  return { type: "html", data: markup };
}

/** The data of a value made by md/html/svg, so `display(html`...`, {type: "iframe"})` works. */
function markedData(value: unknown): string | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const marked = (value as Partial<Displayable>)[DISPLAY];
  return typeof marked?.data === "string" ? marked.data : undefined;
}

function sourced(d: DisplayOutput, value: unknown): DisplayOutput {
  noteTableSource(d, value);
  return d;
}

/** The columns of an array of records (first-seen order) and its rows as display cells. */
export function tableOf(records: Record<string, unknown>[]): TableData {
  return table(records, records.length);
}

function table(records: Record<string, unknown>[], maxRows: number): TableData {
  const columns: string[] = [];
  const seen = new Set<string>();
  const kept = records.slice(0, maxRows);
  for (const r of kept) {
    for (const k of Object.keys(r)) if (!seen.has(k)) seen.add(k), columns.push(k);
  }
  const rows = kept.map((r) => columns.map((c) => cell(r[c])));
  return { columns, rows, totalRows: records.length };
}

function cell(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "number") return Number.isFinite(v) ? v : String(v);
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Date) return v.toISOString();
  return inspect(v);
}

function isRecordArray(v: unknown): v is Record<string, unknown>[] {
  return Array.isArray(v) && v.length > 0 && v.every((r) => {
    if (r === null || typeof r !== "object" || Array.isArray(r)) return false;
    const proto = Object.getPrototypeOf(r);
    return proto === Object.prototype || proto === null;
  });
}

function isPng(v: object): v is Uint8Array {
  return v instanceof Uint8Array && v.length >= 8 && PNG_MAGIC.every((b, i) => v[i] === b);
}

function inspect(v: unknown): string {
  return Deno.inspect(v, {
    colors: false,
    depth: 6,
    iterableLimit: 200,
    strAbbreviateSize: 10_000,
  });
}

function jsonSafe(_key: string, v: unknown): unknown {
  return typeof v === "bigint" ? v.toString() : v;
}

function joinTemplate(strings: TemplateStringsArray | string, values: unknown[]): string {
  if (typeof strings === "string") return [strings, ...values.map(String)].join("");
  return strings.reduce((out, s, i) => out + s + (i < values.length ? String(values[i]) : ""), "");
}
