/** Serving the app on Deno.serve with graceful shutdown. */

/** A running server. */
export interface RunningServer {
  /** The bound address (port resolved when 0 was asked). */
  addr: { hostname: string; port: number };
  /** Resolves when the server has stopped. */
  finished: Promise<void>;
  /** Stops accepting connections and waits for in-flight requests to finish. */
  shutdown(): Promise<void>;
}

/** Options for serveApp. */
export interface ServeOptions {
  hostname: string;
  port: number;
}

/** Starts Deno.serve on exactly the given address (never a wildcard unless asked). */
export function serveApp(
  fetch: (req: Request, info: Deno.ServeHandlerInfo) => Response | Promise<Response>,
  options: ServeOptions,
): Promise<RunningServer> {
  // Deno.serve binds synchronously and throws on a refused or busy address.
  const server = Deno.serve(
    { hostname: options.hostname, port: options.port, onListen() {} },
    fetch,
  );
  const addr = server.addr as Deno.NetAddr;
  return Promise.resolve({
    addr: { hostname: addr.hostname, port: addr.port },
    finished: server.finished,
    shutdown: () => server.shutdown(),
  });
}
