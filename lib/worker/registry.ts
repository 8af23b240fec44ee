/**
 * Resolves a cell's worker name to an Executor: the local one, or a remoteExecutor for the
 * notebook's `[[workers]]` entry of that name (url, token read from its `token_env` variable).
 * Remote executors are reused per (name, url, token). Problems are values, not throws.
 */
import type { Executor } from "../executor/executor.ts";
import { remoteExecutor } from "../executor/remote.ts";
import type { Logger } from "../log.ts";

/** A `[[workers]]` entry of notebook.toml. */
export interface WorkerEntry {
  name: string;
  url?: unknown;
  token_env?: unknown;
}

/** What resolving a worker gives. */
export type WorkerLookup = { ok: true; executor: Executor } | { ok: false; message: string };

/** Options for createWorkerRegistry. */
export interface WorkerRegistryOptions {
  /** Runs cells with no worker (or worker "local"). */
  local: Executor;
  /** Where token_env variables are read (the server's environment, parsed once by main.ts). */
  env: Record<string, string | undefined>;
  fetch?: typeof fetch;
  log?: Logger;
}

/** Maps worker names to executors. */
export interface WorkerRegistry {
  /** The executor for `name` given the notebook's `[[workers]]`; undefined or "local" is local. */
  resolve(name: string | undefined, workers: readonly WorkerEntry[]): WorkerLookup;
  /** Closes every remote executor created (in-flight requests are aborted). */
  close(): Promise<void>;
}

/** Creates a registry; one per server. */
export function createWorkerRegistry(options: WorkerRegistryOptions): WorkerRegistry {
  const remotes = new Map<string, Executor>();
  return {
    resolve(name, workers) {
      if (name === undefined || name === "local") return { ok: true, executor: options.local };
      const entry = workers.find((w) => w.name === name);
      if (!entry) {
        return {
          ok: false,
          message:
            `Cell asks for worker '${name}', but notebook.toml has no [[workers]] entry named '${name}'`,
        };
      }
      if (typeof entry.url !== "string" || !/^https?:\/\//.test(entry.url)) {
        return {
          ok: false,
          message: `Worker '${name}' in notebook.toml needs url = "http(s)://host:port"`,
        };
      }
      if (typeof entry.token_env !== "string" || entry.token_env === "") {
        return {
          ok: false,
          message: `Worker '${name}' in notebook.toml needs token_env = "<ENV VARIABLE>"`,
        };
      }
      const token = options.env[entry.token_env];
      if (!token) {
        return {
          ok: false,
          message:
            `Worker '${name}': the server's environment variable ${entry.token_env} (token_env) is not set`,
        };
      }
      const key = `${name}\0${entry.url}\0${token}`;
      let executor = remotes.get(key);
      if (!executor) {
        executor = remoteExecutor({
          name,
          url: entry.url,
          token,
          fetch: options.fetch,
          log: options.log,
        });
        remotes.set(key, executor);
      }
      return { ok: true, executor };
    },
    async close() {
      await Promise.all([...remotes.values()].map((e) => e.close()));
      remotes.clear();
    },
  };
}
