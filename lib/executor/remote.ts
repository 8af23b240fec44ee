/**
 * An Executor that runs cells on a remote HTTP worker (docs/worker-protocol.md): each run or
 * batch is one `POST /v1/execute` with a bearer token. Whatever goes wrong on the way (worker
 * down, refused token, 5xx, timeout, connection dropped mid-run) becomes a "crash" result per job
 * naming the worker, never a throw, so the session records it like any cell failure.
 */
import type { Logger } from "../log.ts";
import { nullLogger } from "../log.ts";
import {
  EXECUTE_PATH,
  type ExecuteResponse,
  jobToWire,
  PROTOCOL_VERSION,
  resultFromWire,
} from "../worker/wire.ts";
import type { BatchOptions, Executor, RunOptions } from "./executor.ts";
import { DEFAULT_TIMEOUT_MS } from "./_prepare.ts";
import type { CellJob, CellResult } from "./types.ts";

/** Options for remoteExecutor. */
export interface RemoteExecutorOptions {
  /** The worker's name as configured (`[[workers]] name`), used in every error message. */
  name: string;
  /** Base URL of the worker, e.g. `https://gpu-1.internal:8790`. */
  url: string;
  /** Bearer token the worker expects. */
  token: string;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /**
   * How long to wait for the worker's answer to one request.
   * @default the sum of the jobs' timeouts plus 30 s
   */
  timeoutMs?: number;
  log?: Logger;
}

/** Grace added to the jobs' own timeouts: network, queueing and child start on the worker. */
const GRACE_MS = 30_000;

/** Creates an executor that sends every job to one remote worker. */
export function remoteExecutor(options: RemoteExecutorOptions): Executor {
  if (!options.name) throw new TypeError("remoteExecutor: a worker name is required");
  let endpoint: URL;
  try {
    endpoint = new URL(options.url.replace(/\/+$/, "") + EXECUTE_PATH);
  } catch {
    throw new TypeError(
      `remoteExecutor: worker '${options.name}' has an invalid url '${options.url}'`,
    );
  }
  if (endpoint.protocol !== "http:" && endpoint.protocol !== "https:") {
    throw new TypeError(
      `remoteExecutor: worker '${options.name}' url must be http(s): '${options.url}'`,
    );
  }
  const doFetch = options.fetch ?? globalThis.fetch;
  const log = options.log ?? nullLogger();
  const where = `Worker '${options.name}' at ${options.url}`;
  const inFlight = new Set<AbortController>();
  let closed = false;

  async function runBatch(jobs: CellJob[], opts: BatchOptions = {}): Promise<CellResult[]> {
    if (jobs.length === 0) return [];
    const started = performance.now();
    const outcome = await send(jobs, opts);
    const results = outcome.ok
      ? outcome.results
      : jobs.map((j) => crash(j, outcome.message, started));
    results.forEach((r, i) => {
      for (const entry of r.console) opts.onConsole?.(entry, i);
      for (const d of r.displays) opts.onDisplay?.(d, i);
      opts.onResult?.(r, i);
    });
    return results;
  }

  async function send(
    jobs: CellJob[],
    opts: RunOptions,
  ): Promise<{ ok: true; results: CellResult[] } | { ok: false; message: string }> {
    if (closed) {
      return { ok: false, message: `${where} is not used any more: the executor is closed` };
    }
    const timeoutMs = options.timeoutMs ??
      jobs.reduce((n, j) => n + (j.timeoutMs ?? DEFAULT_TIMEOUT_MS), 0) + GRACE_MS;
    const abort = new AbortController();
    let why: "timeout" | "cancelled" | undefined;
    const timer = setTimeout(() => (why = "timeout", abort.abort()), timeoutMs);
    const onAbort = () => (why = "cancelled", abort.abort());
    opts.signal?.addEventListener("abort", onAbort);
    if (opts.signal?.aborted) onAbort();
    inFlight.add(abort);
    try {
      const res = await doFetch(endpoint, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${options.token}` },
        body: JSON.stringify({ protocol: PROTOCOL_VERSION, jobs: jobs.map(jobToWire) }),
        signal: abort.signal,
      });
      const text = await res.text();
      if (!res.ok) return { ok: false, message: refusal(res.status, text) };
      let body: ExecuteResponse;
      try {
        body = JSON.parse(text);
      } catch {
        return {
          ok: false,
          message: `${where} sent an answer that is not JSON (status ${res.status})`,
        };
      }
      if (!Array.isArray(body?.results) || body.results.length !== jobs.length) {
        return {
          ok: false,
          message: `${where} sent ${body?.results?.length ?? "no"} results for ${jobs.length} jobs`,
        };
      }
      const results: CellResult[] = [];
      for (let i = 0; i < jobs.length; i++) {
        const r = resultFromWire(body.results[i]);
        if (r.cellId !== jobs[i].cellId) {
          return {
            ok: false,
            message: `${where} answered for cell '${r.cellId}' instead of '${jobs[i].cellId}'`,
          };
        }
        results.push(r);
      }
      return { ok: true, results };
    } catch (err) {
      if (why === "cancelled") return { ok: false, message: "Cell run cancelled" };
      if (closed) {
        return { ok: false, message: `${where} was disconnected: the server is shutting down` };
      }
      if (why === "timeout") {
        return {
          ok: false,
          message: `${where} did not answer within ${Math.round(timeoutMs / 1000)} s`,
        };
      }
      const { reason, reached } = networkReason(err);
      log.warn("remote worker request failed", { worker: options.name, reason });
      return {
        ok: false,
        message: reached
          ? `${where} lost the connection during the run (the worker may have crashed or restarted): ${reason}`
          : `${where} is unreachable: ${reason}`,
      };
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      inFlight.delete(abort);
    }
  }

  function refusal(status: number, text: string): string {
    let detail = text.slice(0, 500);
    try {
      detail = JSON.parse(text)?.error?.message ?? detail;
    } catch { /* plain text */ }
    if (status === 401 || status === 403) {
      return `${where} rejected the request (${status}): ${detail}. ` +
        "Check the worker's token (the [[workers]] token_env variable)";
    }
    if (status === 503) return `${where} is busy or unavailable (503): ${detail}`;
    return `${where} failed with status ${status}: ${detail}`;
  }

  function crash(job: CellJob, message: string, started: number): CellResult {
    return {
      cellId: job.cellId,
      status: "error",
      outputs: [],
      displays: [],
      console: [],
      consoleTruncated: false,
      error: { kind: message === "Cell run cancelled" ? "cancelled" : "crash", message },
      durationMs: performance.now() - started,
    };
  }

  return {
    run: async (job, opts) => (await runBatch([job], opts))[0],
    runBatch,
    // Workers keep their own warm pools; nothing to start from here.
    warm: () => {},
    stats: () => ({ keys: 0, idle: 0, live: inFlight.size }),
    close() {
      closed = true;
      for (const a of inFlight) a.abort();
      return Promise.resolve();
    },
  };
}

/** Why a fetch failed, and whether the worker had been reached (then the run may have started). */
function networkReason(err: unknown): { reason: string; reached: boolean } {
  // Deno's fetch says "fetch failed" and keeps the socket error in `cause`.
  const messages: string[] = [];
  for (let e: unknown = err; e && messages.length < 4; e = (e as Error).cause) {
    messages.push(e instanceof Error ? e.message : String(e));
  }
  const all = messages.join(": ");
  const detail = messages.at(-1) ?? "unknown error";
  if (/refused/i.test(all)) return { reason: "connection refused", reached: false };
  if (/dns error|name or service not known|failed to lookup/i.test(all)) {
    return { reason: "host not found", reached: false };
  }
  if (/certificate|tls|ssl/i.test(all)) return { reason: `TLS error (${detail})`, reached: false };
  if (/\(Connect\)|unreachable|no route/i.test(all)) return { reason: detail, reached: false };
  return { reason: detail, reached: true };
}
