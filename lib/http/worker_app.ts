/**
 * The reference remote worker (`strata worker`): a small Hono app that runs the jobs it is sent
 * in its own executor (the same permission-scoped children as the server's) and answers them as
 * one bundle. `POST /v1/execute` needs the bearer token; `GET /health` reports capabilities and
 * the number of active executions.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Executor } from "../executor/executor.ts";
import type { CellJob, CellResult } from "../executor/types.ts";
import type { Logger } from "../log.ts";
import { nullLogger } from "../log.ts";
import {
  EXECUTE_PATH,
  executeRequestSchema,
  type ExecuteResponse,
  HEALTH_PATH,
  jobFromWire,
  PROTOCOL_VERSION,
  resultToWire,
} from "../worker/wire.ts";

/** What a worker tells clients about itself on /health (operators may add labels). */
export interface WorkerCapabilities {
  /** Deno version of the cell processes. */
  deno: string;
  /** Most executions run at once; more are answered 503. */
  maxActive: number;
  /** Protocol version spoken. */
  protocol: number;
  /** Free-form labels ("gpu", "eu-west", ...). */
  labels: string[];
  /** Whether jobs may name absolute paths on the worker's disk. */
  hostPaths: boolean;
}

/** Options for createWorkerApp. */
export interface WorkerAppOptions {
  /** Runs the jobs (createExecutor in the reference worker; any Executor in tests). */
  executor: Executor;
  /** The bearer token clients must send; at least 16 characters. */
  token: string;
  /** Folder standing in for the server's notebook folder: relative paths in jobs resolve here. */
  workspaceDir: string;
  /** The worker's name, echoed in answers. @default "worker" */
  name?: string;
  capabilities?: Partial<Omit<WorkerCapabilities, "protocol">>;
  /** Largest request body. @default 268_435_456 (256 MiB) */
  maxBodyBytes?: number;
  log?: Logger;
}

/** Builds the worker's HTTP app. */
export function createWorkerApp(options: WorkerAppOptions): Hono {
  if (options.token.length < 16) {
    throw new TypeError("createWorkerApp: the worker token must be at least 16 characters");
  }
  const log = options.log ?? nullLogger();
  const name = options.name ?? "worker";
  const capabilities: WorkerCapabilities = {
    deno: Deno.version.deno,
    maxActive: 4,
    labels: [],
    hostPaths: false,
    ...options.capabilities,
    protocol: PROTOCOL_VERSION,
  };
  const expected = digest(options.token);
  let active = 0;
  const app = new Hono();

  app.get(HEALTH_PATH, (c) => c.json({ status: "ok", name, capabilities, active }));

  app.post(
    EXECUTE_PATH,
    async function authorize(c, next) {
      const header = c.req.header("authorization") ?? "";
      const m = /^Bearer\s+(.+)$/i.exec(header);
      if (!m || !timingSafeEqual(digest(m[1].trim()), expected)) {
        log.warn("worker request with a missing or wrong token", { path: c.req.path });
        c.header("WWW-Authenticate", 'Bearer realm="strata-worker"');
        return c.json(
          fail("unauthorized", m ? "invalid bearer token" : "missing bearer token"),
          401,
        );
      }
      await next();
    },
    bodyLimit({
      maxSize: options.maxBodyBytes ?? 268_435_456,
      onError: (c) =>
        c.json(fail("payload_too_large", "request body is too large for this worker"), 413),
    }),
    async function execute(c) {
      let raw: unknown;
      try {
        raw = await c.req.json();
      } catch {
        return c.json(fail("bad_request", "request body is not JSON"), 400);
      }
      const parsed = executeRequestSchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const message = `invalid execute request at '${issue.path.join(".")}': ${issue.message}`;
        return c.json(fail("bad_request", message), 400);
      }
      if (active >= capabilities.maxActive) {
        c.header("Retry-After", "1");
        return c.json(
          fail("busy", `worker '${name}' is running ${active} executions (its maximum)`),
          503,
        );
      }
      const jobs = parsed.data.jobs.map((j) => jobFromWire(j, options.workspaceDir));
      active++;
      const started = performance.now();
      try {
        const results = await runAllowed(jobs, c.req.raw.signal);
        log.info("executed", {
          cells: jobs.length,
          errors: results.filter((r) => r.status === "error").length,
          ms: Math.round(performance.now() - started),
        });
        const body: ExecuteResponse = {
          protocol: PROTOCOL_VERSION,
          worker: name,
          results: results.map(resultToWire),
        };
        return c.json(body);
      } finally {
        active--;
      }
    },
  );

  app.notFound((c) => c.json(fail("not_found", `no route ${c.req.method} ${c.req.path}`), 404));
  app.onError((err, c) => {
    log.error("worker request failed", { error: err.message });
    return c.json(fail("internal", "the worker failed to run the request"), 500);
  });

  /** Runs the jobs, failing those that name host paths when the worker does not allow it. */
  async function runAllowed(jobs: CellJob[], signal: AbortSignal): Promise<CellResult[]> {
    const refused = capabilities.hostPaths
      ? -1
      : jobs.findIndex((j) => outsideWorkspace(j, options.workspaceDir));
    if (refused < 0) return await options.executor.runBatch(jobs, { signal });
    const before = refused === 0
      ? []
      : await options.executor.runBatch(jobs.slice(0, refused), { signal });
    const job = jobs[refused];
    const paths = [...(job.permissions.read ?? []), ...(job.permissions.write ?? [])]
      .filter((p) => !inside(p, options.workspaceDir));
    const error = {
      kind: "permission" as const,
      message: `Worker '${name}' does not grant paths outside its workspace: ${paths.join(", ")}`,
    };
    const failed = jobs.slice(refused).map((j, i): CellResult => ({
      cellId: j.cellId,
      status: "error",
      outputs: [],
      displays: [],
      console: [],
      consoleTruncated: false,
      error: i === 0
        ? error
        : { kind: "exception", message: `Not run: cell '${job.cellId}' was refused` },
      durationMs: 0,
    }));
    return [...before, ...failed];
  }

  return app;
}

function outsideWorkspace(job: CellJob, workspace: string): boolean {
  return [...(job.permissions.read ?? []), ...(job.permissions.write ?? [])].some((p) =>
    !inside(p, workspace)
  );
}

function inside(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith("/") ? root : root + "/");
}

function digest(token: string): Uint8Array {
  // Hash first: timingSafeEqual needs equal lengths, and this hides the token's length too.
  return createHash("sha256").update(token).digest();
}

function fail(code: string, message: string) {
  return { error: { code, message } };
}
