/** The one place errors become HTTP answers: domain errors map to statuses, 5xx are logged. */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import {
  ConflictError,
  ForbiddenError,
  fromSystemError,
  NotFoundError,
  PayloadTooLargeError,
  StorageFullError,
  StrataError,
  UnauthorizedError,
  ValidationError,
} from "../errors.ts";
import type { AppEnv } from "./context.ts";

/** JSON error body: `{"error":{"code","message"}}`. */
export interface ErrorBody {
  error: { code: string; message: string; request_id?: string; details?: Record<string, unknown> };
}

/** Status for a domain error; undefined for anything unexpected (500). */
export function statusFor(err: unknown): ContentfulStatusCode | undefined {
  if (err instanceof ValidationError) return 400;
  if (err instanceof UnauthorizedError) return 401;
  if (err instanceof ForbiddenError) return 403;
  if (err instanceof NotFoundError) return 404;
  if (err instanceof ConflictError) return 409;
  if (err instanceof PayloadTooLargeError) return 413;
  if (
    err instanceof StrataError &&
    (err.code === "queue_full" || err.code === "rate_limited" || err.code === "ai_budget_exceeded")
  ) {
    return 429;
  }
  if (err instanceof StrataError && err.code === "transform_failed") return 422;
  if (err instanceof StorageFullError) return 507;
  if (err instanceof StrataError && err.code === "ai_unavailable") return 503; // issue 18
  if (err instanceof StrataError && err.code === "owner_unavailable") return 503; // issue 21
  if (err instanceof StrataError) return 400;
  return undefined;
}

/** Builds the JSON error answer. */
export function errorResponse(
  c: Context,
  status: ContentfulStatusCode,
  code: string,
  message: string,
  details?: Record<string, unknown>,
): Response {
  const body: ErrorBody = { error: { code, message } };
  if (details) body.error.details = details;
  const id = c.get("requestId") as string | undefined;
  if (id) body.error.request_id = id;
  return c.json(body, status);
}

/** Hono onError handler: maps known errors, logs and hides unexpected ones. */
export function handleError(raw: Error, c: Context<AppEnv>): Response {
  const err = fromSystemError(raw) as Error;
  const status = statusFor(err);
  if (status !== undefined) {
    const details = err instanceof ConflictError ? err.details : undefined; // issue 14 item 7
    const res = errorResponse(c, status, (err as StrataError).code, err.message, details);
    if (err instanceof UnauthorizedError) res.headers.set("WWW-Authenticate", "StrataProxy");
    return res;
  }
  if (err instanceof HTTPException && err.status < 500) {
    return errorResponse(c, err.status as ContentfulStatusCode, "http_error", err.message);
  }
  const log = c.get("log");
  log?.error("request failed", { error: err, stack: err.stack, path: c.req.path });
  return errorResponse(
    c,
    500,
    "internal",
    "Internal server error; see the server log for the request id",
  );
}

/** Hono notFound handler. */
export function handleNotFound(c: Context<AppEnv>): Response {
  return errorResponse(c, 404, "not_found", `No route for ${c.req.method} ${c.req.path}`);
}
