/** Entry of the type Worker (type_thread.ts): the notebooks' language services, off the server's thread. */
import { parentPort, workerData } from "node:worker_threads";
import { getHeapStatistics } from "node:v8";
import { TypesHost, type TypesRequest } from "./_types_host.ts";
import { configureTypeScriptCodeCache } from "../notebook/_typescript.ts";

const { codeCache, heartbeatMs } = (workerData ?? {}) as {
  heartbeatMs?: number;
  codeCache?: { dir?: string; writeAfterMs?: number };
};
configureTypeScriptCodeCache(codeCache?.dir, { writeAfterMs: codeCache?.writeAfterMs });

const port = parentPort!;
/**
 * When this thread's heap reaches its cap (type_thread.ts's `resourceLimits`), V8 raises the limit
 * so that the thread can be stopped, and Deno usually ends it (ERR_WORKER_OUT_OF_MEMORY). But when
 * the cap is reached inside a promise job, Deno 2.9 only abandons that job: the thread lives on and
 * the request it was answering never is (measured: 5 of 6 runs of a scratch Worker). A limit above
 * the one it started with says so: the thread then asks to be stopped, naming the notebook it was
 * working for, at its next switch to another notebook or heartbeat, whichever comes first.
 */
const startLimit = getHeapStatistics().heap_size_limit;
let workingFor = 0;
let reported = false;
function overCap(): boolean {
  if (getHeapStatistics().heap_size_limit <= startLimit) return false;
  if (!reported) port.postMessage({ outOfMemory: true, nb: workingFor });
  reported = true;
  return true;
}
// Which notebook it works for, whenever that changes (type_thread.ts blames it if stopped).
const host = new TypesHost((reply) => port.postMessage(reply), (nb) => {
  if (overCap()) return;
  workingFor = nb;
  port.postMessage({ working: nb });
});
port.on("message", (m: TypesRequest) => host.handle(m));
// Says it is alive whenever its event loop is free (type_thread.ts stops a Worker silent too long).
setInterval(() => overCap() || port.postMessage({ alive: true }), heartbeatMs ?? 1000);
