/** Entry of the type Worker (type_thread.ts): the notebooks' language services, off the server's thread. */
import { parentPort, workerData } from "node:worker_threads";
import { TypesHost, type TypesRequest } from "./_types_host.ts";
import { configureTypeScriptCodeCache } from "../notebook/_typescript.ts";

const { codeCache, heartbeatMs } = (workerData ?? {}) as {
  heartbeatMs?: number;
  codeCache?: { dir?: string; writeAfterMs?: number };
};
configureTypeScriptCodeCache(codeCache?.dir, { writeAfterMs: codeCache?.writeAfterMs });

const port = parentPort!;
const host = new TypesHost((reply) => port.postMessage(reply));
port.on("message", (m: TypesRequest) => host.handle(m));
// Says it is alive whenever its event loop is free (type_thread.ts stops a Worker silent too long).
setInterval(() => port.postMessage({ alive: true }), heartbeatMs ?? 1000);
