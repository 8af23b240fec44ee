/** Entry of the type Worker (type_thread.ts): the notebooks' language services, off the server's thread. */
import { parentPort, workerData } from "node:worker_threads";
import { TypesHost, type TypesRequest } from "./_types_host.ts";
import { configureTypeScriptCodeCache } from "../notebook/_typescript.ts";

const { codeCache } = (workerData ?? {}) as { codeCache?: { dir?: string; writeAfterMs?: number } };
configureTypeScriptCodeCache(codeCache?.dir, { writeAfterMs: codeCache?.writeAfterMs });

const port = parentPort!;
const host = new TypesHost((reply) => port.postMessage(reply));
port.on("message", (m: TypesRequest) => host.handle(m));
