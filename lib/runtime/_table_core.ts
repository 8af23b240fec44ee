/**
 * The work of a table output's pages (issue 16): decode a stored value into a table, filter, sort
 * and cut a page, or write the whole table as CSV or JSON. Pure and synchronous; it runs in the
 * table Worker (_table_worker.ts), or on the server's thread where no Worker can start.
 */
import { decodeValue } from "../executor/codecs.ts";
import { tableOf } from "../executor/display.ts";
import type { EncodedValue, TableData } from "../executor/types.ts";
import { cellText, type TableSort, toCsv, toJsonRecords } from "../ui/table_query.ts";

/** A page request. */
export interface PageQuery {
  offset: number;
  limit: number;
  sort?: TableSort;
  /** Case-insensitive text any column must contain. */
  filter?: string;
}

/** One page of a table. */
export interface TablePage {
  columns: string[];
  rows: unknown[][];
  offset: number;
  /** Rows in the whole value. */
  totalRows: number;
  /** Rows that pass the filter (= totalRows without one). */
  matchedRows: number;
}

/** Why a request cannot be answered: 400 or 404 on the server's side. */
export class TableRequestError extends Error {
  constructor(readonly kind: "invalid" | "not-found", message: string) {
    super(message);
  }
}

/** A decoded table and the row orders asked of it. */
export interface Loaded {
  table: TableData;
  /** Row orders by `${filter}\0${col}\0${dir}`; at most a few kept. */
  orders: Map<string, Uint32Array>;
}

const CACHE_ORDERS = 6;

/** Decodes a stored value (an array of records) into a table. */
export function loadedOf(enc: EncodedValue): Loaded {
  const value = decodeValue(enc);
  if (!Array.isArray(value)) {
    throw new TableRequestError("not-found", `'${enc.name}' is no longer an array`);
  }
  return { table: tableOf(value as Record<string, unknown>[]), orders: new Map() };
}

/** Decoded tables by key, the most recently used kept. */
export class TableCache {
  #tables = new Map<string, Loaded>();
  constructor(readonly size = 4) {}
  get(key: string): Loaded | undefined {
    const hit = this.#tables.get(key);
    if (hit) this.#tables.delete(key), this.#tables.set(key, hit);
    return hit;
  }
  set(key: string, loaded: Loaded): void {
    this.#tables.set(key, loaded);
    while (this.#tables.size > this.size) this.#tables.delete(this.#tables.keys().next().value!);
  }
}

/** One page of a loaded table, filtered and sorted. */
export function pageOf(loaded: Loaded, q: PageQuery): TablePage {
  const { columns, rows } = loaded.table;
  if (q.sort && (q.sort.col < 0 || q.sort.col >= columns.length)) {
    throw new TableRequestError(
      "invalid",
      `sort column ${q.sort.col} is not one of the ${columns.length}`,
    );
  }
  const order = orderOf(loaded, q.filter?.trim().toLowerCase() ?? "", q.sort);
  const matched = order ? order.length : rows.length;
  const end = Math.min(matched, q.offset + q.limit);
  const page: unknown[][] = [];
  for (let i = q.offset; i < end; i++) page.push(rows[order ? order[i] : i]);
  return { columns, rows: page, offset: q.offset, totalRows: rows.length, matchedRows: matched };
}

/** The whole table as a CSV or JSON file's text. */
export function fileOf(table: TableData, format: "csv" | "json"): string {
  return format === "csv"
    ? toCsv(table.columns, table.rows)
    : toJsonRecords(table.columns, table.rows);
}

function orderOf(loaded: Loaded, filter: string, sort?: TableSort): Uint32Array | undefined {
  if (!filter && !sort) return undefined;
  const key = `${filter}\0${sort?.col ?? ""}\0${sort?.dir ?? ""}`;
  const known = loaded.orders.get(key);
  if (known) return known;
  const rows = loaded.table.rows;
  let idx: number[] = [];
  if (filter) {
    for (let i = 0; i < rows.length; i++) {
      if (rows[i].some((v) => cellText(v).toLowerCase().includes(filter))) idx.push(i);
    }
  } else idx = Array.from({ length: rows.length }, (_, i) => i);
  const order = Uint32Array.from(idx);
  if (sort) {
    const col = sort.col, dir = sort.dir;
    order.sort((a, b) => fastCompare(rows[a][col], rows[b][col]) * dir || a - b);
  }
  loaded.orders.set(key, order);
  while (loaded.orders.size > CACHE_ORDERS) {
    loaded.orders.delete(loaded.orders.keys().next().value!);
  }
  return order;
}

/** Nulls last, numbers numerically, other values by code unit (fast on a million rows). */
function fastCompare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  const x = String(a), y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A page, or the whole table as a file. */
export type TableAsk = { op: "page"; query: PageQuery } | { op: "file"; format: "csv" | "json" };

/** What the table Worker is asked: `ask` of the table stored under `key`. */
export type TableJob = TableAsk & { key: string; enc?: EncodedValue };

/** Its answer: the value, a request for the stored value (not decoded here), or an error. */
export type TableAnswer =
  | { ok: true; value: TablePage | string }
  | { need: true }
  | { ok: false; kind: "invalid" | "not-found" | "failed"; error: string };

/** Answers a job from `cache`, decoding `enc` when the table is not there. */
export function answerTable(cache: TableCache, job: TableJob): TableAnswer {
  return answering(() => {
    let loaded = cache.get(job.key);
    if (!loaded) {
      if (!job.enc) return { need: true };
      cache.set(job.key, loaded = loadedOf(job.enc));
    }
    return answerLoaded(loaded, job);
  });
}

/** Answers a page or file request of a table already loaded. */
export function answerLoaded(loaded: Loaded, ask: TableAsk): TableAnswer {
  return answering(() => ({
    ok: true,
    value: ask.op === "page" ? pageOf(loaded, ask.query) : fileOf(loaded.table, ask.format),
  }));
}

function answering(f: () => TableAnswer): TableAnswer {
  try {
    return f();
  } catch (err) {
    const kind = err instanceof TableRequestError ? err.kind : "failed";
    return { ok: false, kind, error: err instanceof Error ? err.message : String(err) };
  }
}
