/**
 * The remote worker protocol's JSON shapes (docs/worker-protocol.md): CellJob and CellResult
 * with value bytes in base64 and permission paths relative to the notebook folder, because the
 * worker does not share the server's disk. Shared by the client (lib/executor/remote.ts) and the
 * reference worker (lib/http/worker_app.ts).
 */
import { isAbsolute, relative, resolve } from "node:path";
import { z } from "zod";
import type { Grant, PermissionSpec } from "../executor/permissions.ts";
import type { CellJob, CellResult, EncodedValue } from "../executor/types.ts";

/** Version of the protocol; a worker answers 400 to any other. */
export const PROTOCOL_VERSION = 1;

/** Paths of the execute and health endpoints. */
export const EXECUTE_PATH = "/v1/execute";
export const HEALTH_PATH = "/health";

/**
 * A cell job as sent: bytes in base64, paths relative to the notebook folder (or absolute).
 * Built on first use (`z.lazy`): only a worker validates jobs, and a server loads this module at
 * start for the encoders.
 */
export const wireJobSchema = z.lazy(() => {
  const grant = z.union([z.literal(true), z.array(z.string().max(1024)).max(256)]).optional();
  const value = z.object({
    name: z.string().min(1).max(256),
    codec: z.enum(["v8", "json", "bytes", "code"]),
    bytes: z.string(),
  });
  return z.object({
    cellId: z.string().min(1).max(256),
    source: z.string(),
    inputs: z.array(value),
    codeInputs: z.array(z.object({
      cellId: z.string().min(1).max(256),
      source: z.string(),
      names: z.array(z.string()),
    })).optional(),
    carry: z.array(z.string()).optional(),
    outputs: z.array(z.string()),
    permissions: z.object({
      read: z.array(z.string().max(4096)).max(256).optional(),
      write: z.array(z.string().max(4096)).max(256).optional(),
      net: grant,
      env: grant,
      sys: grant,
      run: grant,
      ffi: grant,
      import: grant,
    }),
    env: z.record(z.string(), z.string()).optional(),
    timeoutMs: z.number().int().min(1).max(86_400_000).optional(),
    memoryMb: z.number().int().min(16).max(1_048_576).optional(),
    consoleLimit: z.number().int().min(0).optional(),
  });
});

/** The body of `POST /v1/execute`. */
export const executeRequestSchema = z.lazy(() =>
  z.object({
    protocol: z.literal(PROTOCOL_VERSION),
    jobs: z.array(wireJobSchema).min(1).max(1000),
  })
);

/** A job on the wire. */
export type WireJob = z.infer<typeof wireJobSchema>;
/** A request on the wire. */
export type ExecuteRequest = z.infer<typeof executeRequestSchema>;

/** A value on the wire. */
export interface WireValue {
  name: string;
  codec: EncodedValue["codec"];
  bytes: string;
}

/** A result on the wire: CellResult with base64 output bytes. */
export type WireResult = Omit<CellResult, "outputs"> & { outputs: WireValue[] };

/** The body of a 200 answer to `POST /v1/execute`: one result per job, in order. */
export interface ExecuteResponse {
  protocol: typeof PROTOCOL_VERSION;
  worker: string;
  results: WireResult[];
}

/** Encodes a job for the wire; paths inside the notebook folder become `./relative`. */
export function jobToWire(job: CellJob): WireJob {
  const p = job.permissions;
  const rel = (list: string[] | undefined) => list?.map((x) => relativeTo(p.notebookDir, x));
  const out: WireJob = {
    cellId: job.cellId,
    source: job.source,
    inputs: job.inputs.map(valueToWire),
    outputs: job.outputs,
    permissions: {
      read: rel(p.read),
      write: rel(p.write),
      net: p.net,
      env: p.env,
      sys: p.sys,
      run: p.run,
      ffi: p.ffi,
      import: p.import,
    },
  };
  if (job.codeInputs) out.codeInputs = job.codeInputs;
  if (job.carry) out.carry = job.carry;
  if (job.env) out.env = job.env;
  if (job.timeoutMs !== undefined) out.timeoutMs = job.timeoutMs;
  if (job.memoryMb !== undefined) out.memoryMb = job.memoryMb;
  if (job.consoleLimit !== undefined) out.consoleLimit = job.consoleLimit;
  return out;
}

/** Decodes a wire job on the worker, rooting its relative paths at the worker's `notebookDir`. */
export function jobFromWire(wire: WireJob, notebookDir: string): CellJob {
  const p = wire.permissions;
  const permissions: PermissionSpec = { notebookDir };
  const paths = (list: string[] | undefined) => list?.map((x) => resolve(notebookDir, x));
  const assign = <K extends keyof PermissionSpec>(k: K, v: PermissionSpec[K] | undefined) => {
    if (v !== undefined) permissions[k] = v;
  };
  assign("read", paths(p.read));
  assign("write", paths(p.write));
  for (const k of ["net", "env", "sys", "run", "ffi", "import"] as const) {
    assign(k, p[k] as Grant | undefined);
  }
  return {
    cellId: wire.cellId,
    source: wire.source,
    inputs: wire.inputs.map(valueFromWire),
    codeInputs: wire.codeInputs,
    carry: wire.carry,
    outputs: wire.outputs,
    permissions,
    env: wire.env,
    timeoutMs: wire.timeoutMs,
    memoryMb: wire.memoryMb,
    consoleLimit: wire.consoleLimit,
  };
}

/** Encodes a result for the wire. */
export function resultToWire(result: CellResult): WireResult {
  return { ...result, outputs: result.outputs.map(valueToWire) };
}

/** Decodes a result from the wire; throws a TypeError naming what is malformed. */
export function resultFromWire(wire: unknown): CellResult {
  const r = wire as WireResult;
  if (
    typeof r !== "object" || r === null || typeof r.cellId !== "string" ||
    (r.status !== "ok" && r.status !== "error") || !Array.isArray(r.outputs) ||
    !Array.isArray(r.displays) || !Array.isArray(r.console)
  ) {
    throw new TypeError("a result lacks cellId, status, outputs, displays or console");
  }
  return {
    cellId: r.cellId,
    status: r.status,
    outputs: r.outputs.map(valueFromWire),
    displays: r.displays,
    console: r.console,
    consoleTruncated: Boolean(r.consoleTruncated),
    ...(r.error ? { error: r.error } : {}),
    durationMs: Number(r.durationMs) || 0,
  };
}

function valueToWire(v: EncodedValue): WireValue {
  return { name: v.name, codec: v.codec, bytes: v.bytes.toBase64() };
}

function valueFromWire(v: WireValue): EncodedValue {
  return { name: v.name, codec: v.codec, bytes: Uint8Array.fromBase64(v.bytes) };
}

function relativeTo(root: string, path: string): string {
  const abs = resolve(root, path);
  const r = relative(root, abs);
  if (r === "") return ".";
  return r.startsWith("..") || isAbsolute(r) ? abs : `./${r}`;
}
