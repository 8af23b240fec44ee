/**
 * Server-side pages of a table output (issue 16): the stored value a table display names as its
 * `source` is decoded once (kept in a small LRU by content), filtered and sorted on the server,
 * and answered one page at a time, so a 1,000,000-row result never travels to the browser.
 *
 * That work runs in the table Worker (_table_worker.ts), not on the server's thread (issue 20
 * review): at 1,000,000 rows a first decode is ≈0.9 s, a new filter 0.16–0.26 s and a sort ≈0.3
 * s, and any reader can ask for them. The Worker is started on first use and stopped after
 * IDLE_MS without a request (which also frees the decoded tables); where no Worker can start, the
 * same code runs here. The server's thread only looks the value up in the index and, when the
 * Worker does not hold it yet, reads and verifies its blob.
 */
import { NotFoundError, ValidationError } from "../errors.ts";
import type { Codec, EncodedValue } from "../executor/types.ts";
import { getVerified } from "../artifacts/content.ts";
import { type CacheStores, lookupCell } from "./cell_cache.ts";
import {
  answerLoaded,
  answerTable,
  type PageQuery,
  type TableAnswer,
  type TableAsk,
  TableCache,
  type TableJob,
  type TablePage,
} from "./_table_core.ts";

export type { PageQuery, TablePage };

/** The most rows one page answers. */
export const MAX_PAGE_ROWS = 1000;

/** A Worker with nothing asked for this long is stopped (its decoded tables go with it). */
const IDLE_MS = 60_000;

/** What to page: a cell's stored result and one of its table displays. */
export interface TableRef {
  tenantHash: string;
  provenance: string;
  cellId: string;
  /** Index of the table among the cell's displays. */
  display: number;
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
  return await answer(stores, ref, { op: "page", query: q }) as TablePage;
}

/** The whole table a display shows (all rows) as the text of a CSV or JSON file. */
export async function tableFile(
  stores: CacheStores,
  ref: TableRef,
  format: "csv" | "json",
): Promise<string> {
  return await answer(stores, ref, { op: "file", format }) as string;
}

async function answer(
  stores: CacheStores,
  ref: TableRef,
  ask: TableAsk,
): Promise<TablePage | string> {
  const first = await lookupCell(stores, ref.tenantHash, ref.provenance, [], Date.now());
  if (!first.hit) throw new NotFoundError(`Cell '${ref.cellId}' has no stored result; run it`);
  const d = first.result.displays[ref.display];
  if (!d || d.type !== "table") {
    throw new NotFoundError(`Display ${ref.display} of cell '${ref.cellId}' is not a table`);
  }
  const source = d.data.source;
  if (!source) {
    // A table of an unnamed value holds all its rows (up to the display cap) itself: paged here.
    return valueOf(answerLoaded({ table: d.data, orders: new Map() }, ask));
  }
  // Keyed by the stored value's content hash, from the index: a table already decoded is paged
  // without reading its blob again (issue 20 review: every page of a 1,000,000-row table read and
  // hashed its whole blob, ≈190 ms a page). The `$result` lookup above still finds a run whose
  // blobs were removed.
  const row = first.artifacts.find((a) => a.variable === source);
  const gone = () => new NotFoundError(`The stored value '${source}' is gone; run the cell`);
  if (!row) throw gone();
  const job: TableJob = { ...ask, key: `${ref.tenantHash}:${row.contentHash}` };
  let reply = await run(job);
  if ("need" in reply) {
    const read = await getVerified(stores.blobs, row.blobKey, row.contentHash);
    if (!read.ok) throw gone();
    const enc: EncodedValue = { name: source, codec: row.codec as Codec, bytes: read.bytes };
    reply = await run({ ...job, enc });
  }
  return valueOf(reply);
}

function valueOf(reply: TableAnswer): TablePage | string {
  if ("need" in reply) throw new Error("the table Worker asked twice for the stored value");
  if (reply.ok) return reply.value;
  if (reply.kind === "invalid") throw new ValidationError(reply.error);
  if (reply.kind === "not-found") throw new NotFoundError(reply.error);
  throw new Error(reply.error);
}

// The Worker, what waits on it, and the tables decoded here where no Worker can start.
let worker: Worker | undefined;
let noWorker = false;
let nextId = 0;
let idleTimer: ReturnType<typeof setTimeout> | undefined;
const waiting = new Map<number, (reply: TableAnswer) => void>();
const here = new TableCache();

/** Where the last job ran (tests and benches ask). */
export function tableWorkKind(): "worker" | "in-process" | "none" {
  return worker ? "worker" : noWorker ? "in-process" : "none";
}

/** Stops the table Worker (it starts again on the next request). */
export function stopTableWorker(): void {
  clearTimeout(idleTimer);
  worker?.terminate();
  worker = undefined;
  for (const [, resolve] of waiting) {
    resolve({ ok: false, kind: "failed", error: "the table Worker was stopped" });
  }
  waiting.clear();
}

function run(job: TableJob): Promise<TableAnswer> {
  const w = startWorker();
  if (!w) return Promise.resolve(answerTable(here, job));
  clearTimeout(idleTimer);
  const id = ++nextId;
  return new Promise<TableAnswer>((resolve) => {
    waiting.set(id, resolve);
    w.postMessage({ id, ...job });
  }).finally(() => {
    if (waiting.size > 0) return;
    idleTimer = setTimeout(stopTableWorker, IDLE_MS);
    Deno.unrefTimer(idleTimer as unknown as number);
  });
}

function startWorker(): Worker | undefined {
  if (worker || noWorker) return worker;
  // The single-file build ships the Worker as table_worker.js beside strata.js.
  const bundled = import.meta.url.endsWith(".js");
  const url = new URL(bundled ? "./table_worker.js" : "./_table_worker.ts", import.meta.url);
  try {
    const w = new Worker(url, { type: "module", name: "strata-tables" });
    w.onmessage = (e: MessageEvent<TableAnswer & { id: number }>) => {
      const { id, ...reply } = e.data;
      const resolve = waiting.get(id);
      waiting.delete(id);
      resolve?.(reply as TableAnswer);
    };
    w.onerror = (e) => {
      e.preventDefault();
      if (worker === w) worker = undefined;
      for (const [, resolve] of waiting) {
        resolve({ ok: false, kind: "failed", error: `the table Worker failed: ${e.message}` });
      }
      waiting.clear();
    };
    worker = w;
    return w;
  } catch {
    noWorker = true; // no Worker here (missing file or permission): the work runs on this thread
    return undefined;
  }
}
