/** Entry of the type Worker (type_thread.ts): the notebooks' language services, off the server's thread. */
import { parentPort } from "node:worker_threads";
import { TypesHost, type TypesRequest } from "./_types_host.ts";

const port = parentPort!;
const host = new TypesHost((reply) => port.postMessage(reply));
port.on("message", (m: TypesRequest) => host.handle(m));
