/** Worker entry of table output pages (table_pages.ts): decode, filter, sort off the server's thread. */
import { answerTable, TableCache, type TableJob } from "./_table_core.ts";

const cache = new TableCache();
const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<TableJob & { id: number }>) => void) | null;
  postMessage: (message: unknown) => void;
};
scope.onmessage = (e) => {
  const { id, ...job } = e.data;
  scope.postMessage({ id, ...answerTable(cache, job) });
};
