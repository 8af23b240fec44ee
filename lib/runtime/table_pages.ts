/**
 * Server-side pages of a table output (issue 16): the stored value a table display names as its
 * `source` is decoded once (kept in a small LRU by content), filtered and sorted on the server,
 * and answered one page at a time, so a 1,000,000-row result never travels to the browser.
 */
import { decodeValue } from "../executor/codecs.ts";
import { tableOf } from "../executor/display.ts";
import type { Codec, TableData } from "../executor/types.ts";
import { lookupArtifacts } from "../artifacts/artifact_index.ts";
import { getVerified } from "../artifacts/content.ts";
import { NotFoundError, ValidationError } from "../errors.ts";
import { cellText, type TableSort } from "../ui/table_query.ts";
import { type CacheStores, lookupCell } from "./cell_cache.ts";

/** The most rows one page answers. */
export const MAX_PAGE_ROWS = 1000;

/** What to page: a cell's stored result and one of its table displays. */
export interface TableRef {
  tenantHash: string;
  provenance: string;
  cellId: string;
  /** Index of the table among the cell's displays. */
  display: number;
}

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

interface Loaded {
  table: TableData;
  /** Row orders by `${filter}\0${col}\0${dir}`; at most a few kept. */
  orders: Map<string, Uint32Array>;
}

const cache = new Map<string, Loaded>();
const CACHE_TABLES = 4;
const CACHE_ORDERS = 6;

/** The whole table a display shows (all rows), decoded from the stored value. */
export async function loadTable(stores: CacheStores, ref: TableRef): Promise<TableData> {
  return (await load(stores, ref)).table;
}

/** One page of the table a display shows, filtered and sorted on the server. */
export async function tablePage(
  stores: CacheStores,
  ref: TableRef,
  q: PageQuery,
): Promise<TablePage> {
  if (q.limit < 1 || q.limit > MAX_PAGE_ROWS) {
    throw new ValidationError(`limit must be between 1 and ${MAX_PAGE_ROWS}`);
  }
  const loaded = await load(stores, ref);
  const { columns, rows } = loaded.table;
  if (q.sort && (q.sort.col < 0 || q.sort.col >= columns.length)) {
    throw new ValidationError(`sort column ${q.sort.col} is not one of the ${columns.length}`);
  }
  const order = orderOf(loaded, q.filter?.trim().toLowerCase() ?? "", q.sort);
  const matched = order ? order.length : rows.length;
  const end = Math.min(matched, q.offset + q.limit);
  const page: unknown[][] = [];
  for (let i = q.offset; i < end; i++) page.push(rows[order ? order[i] : i]);
  return { columns, rows: page, offset: q.offset, totalRows: rows.length, matchedRows: matched };
}

async function load(stores: CacheStores, ref: TableRef): Promise<Loaded> {
  const first = await lookupCell(stores, ref.tenantHash, ref.provenance, [], Date.now());
  if (!first.hit) throw new NotFoundError(`Cell '${ref.cellId}' has no stored result; run it`);
  const d = first.result.displays[ref.display];
  if (!d || d.type !== "table") {
    throw new NotFoundError(`Display ${ref.display} of cell '${ref.cellId}' is not a table`);
  }
  const source = d.data.source;
  if (!source) {
    // A table of an unnamed value holds all its rows (up to the display cap) itself.
    return { table: d.data, orders: new Map() };
  }
  // Keyed by the stored value's content hash, from the index: a table already decoded is paged
  // without reading its blob again (issue 20 review: every page of a 1,000,000-row table read and
  // hashed its whole blob, ≈190 ms a page). The `$result` lookup above still finds a run whose
  // blobs were removed.
  const found = await lookupArtifacts(stores.db, ref.tenantHash, ref.provenance);
  const row = found.hit ? found.artifacts.find((a) => a.variable === source) : undefined;
  if (!row) throw new NotFoundError(`The stored value '${source}' is gone; run the cell`);
  const key = `${ref.tenantHash}:${row.contentHash}`;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key), cache.set(key, hit);
    return hit;
  }
  const read = await getVerified(stores.blobs, row.blobKey, row.contentHash);
  if (!read.ok) throw new NotFoundError(`The stored value '${source}' is gone; run the cell`);
  const value = decodeValue({ name: source, codec: row.codec as Codec, bytes: read.bytes });
  if (!Array.isArray(value)) throw new NotFoundError(`'${source}' is no longer an array`);
  const loaded: Loaded = { table: tableOf(value as Record<string, unknown>[]), orders: new Map() };
  cache.set(key, loaded);
  while (cache.size > CACHE_TABLES) cache.delete(cache.keys().next().value!);
  return loaded;
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
