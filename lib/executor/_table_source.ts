/**
 * Server-paged tables (issue 16): a table display of a value the cell also stores (a top-level
 * name) remembers that name as `source`, and carries only its first page. The server pages,
 * sorts and filters the stored value (`output.table_page`), so the browser never holds more than
 * a page however long the result is.
 */
import type { DisplayOutput, EncodedValue } from "./types.ts";

/** Rows a sourced table display carries: the first page. */
export const FIRST_PAGE_ROWS = 50;

const shown = new WeakMap<object, unknown>();

/** Remembers which value a table display was made from (called by toDisplay). */
export function noteTableSource(display: object, value: unknown): void {
  shown.set(display, value);
}

/** Prefix of the stored value a table shows when it is not one of the cell's stored names. */
export const TABLE_VALUE_PREFIX = "$table:";

/**
 * Gives each table display that was cut (more rows than its first page) a stored `source`: one
 * of the cell's stored outputs `names` when it shows one, else the table's value stored as
 * `$table:<i>` (returned here, to be stored with the cell's outputs). Such a display then carries
 * only its first page. A value that cannot be encoded leaves its display as it was.
 */
export function linkTableSources(
  displays: DisplayOutput[],
  names: readonly string[],
  valueOf: (name: string) => unknown,
  encode: (name: string, value: unknown) => { ok: true; value: EncodedValue } | { ok: false },
): EncodedValue[] {
  const extra: EncodedValue[] = [];
  displays.forEach((d, i) => {
    if (d.type !== "table" || !shown.has(d) || d.data.totalRows <= FIRST_PAGE_ROWS) return;
    const value = shown.get(d);
    let source = names.find((name) => {
      try {
        return valueOf(name) === value;
      } catch {
        return false;
      }
    });
    if (!source) {
      const enc = encode(`${TABLE_VALUE_PREFIX}${i}`, value);
      if (!enc.ok) return;
      extra.push(enc.value);
      source = enc.value.name;
    }
    d.data.source = source;
    d.data.rows = d.data.rows.slice(0, FIRST_PAGE_ROWS);
  });
  return extra;
}
