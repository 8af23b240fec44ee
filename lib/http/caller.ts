/** The bridge from an HTTP request to the command pipeline: who calls, and the raw JSON body. */
import type { Context } from "hono";
import type { Caller, Surface } from "../commands/command.ts";
import { ValidationError } from "../errors.ts";
import type { AppEnv } from "./context.ts";

/** The caller of a command made from this request. */
export function callerOf(c: Context<AppEnv>, surface: Surface = "http"): Caller {
  return {
    identity: c.var.identity,
    tenant: c.var.tenant,
    log: c.var.log,
    surface,
    signal: c.req.raw.signal,
  };
}

/** The request body as JSON (validated later by the command); malformed JSON is a 400. */
export async function jsonBody(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw new ValidationError("Request body must be JSON");
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new ValidationError("Invalid body: expected a JSON object");
  }
  return raw as Record<string, unknown>;
}
