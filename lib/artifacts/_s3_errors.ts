/** Classifying S3 SDK errors (transient or not) and turning them into messages an operator can act on. */

/** What the store was doing when an S3 call failed, for the message. */
export interface S3ErrorContext {
  bucket: string;
  endpoint: string;
  /** e.g. "get", "put", "upload part 3 of" */
  op: string;
  /** The full object key, or a prefix for list. */
  key?: string;
  attempts: number;
}

const THROTTLING = new Set([
  "SlowDown",
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottled",
  "RequestThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "BandwidthLimitExceeded",
  "ProvisionedThroughputExceededException",
  "PriorRequestNotComplete",
]);
const SERVER = new Set([
  "InternalError",
  "ServiceUnavailable",
  "RequestTimeout",
  "RequestTimeoutException",
  "TimeoutError",
  "NetworkingError",
]);
const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);
const DENIED = new Set([
  "AccessDenied",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "InvalidToken",
  "ExpiredToken",
  "TokenRefreshRequired",
  "AllAccessDisabled",
]);

/** The HTTP status of an SDK error, when the server answered. */
export function s3Status(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/** The S3 error code (`NoSuchKey`, `SlowDown`, ...) or the error's name. */
export function s3Code(err: unknown): string {
  const e = err as { Code?: string; code?: unknown; name?: string };
  return e?.Code ?? (typeof e?.code === "string" ? e.code : undefined) ?? e?.name ?? "Error";
}

/** Whether the request failed without reaching or being refused by S3 (socket-level). */
export function isNetworkError(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  if (code && NETWORK_CODES.has(code)) return true;
  if ((err as Error)?.name === "NetworkingError") return true;
  return err instanceof Deno.errors.ConnectionReset ||
    err instanceof Deno.errors.ConnectionRefused ||
    err instanceof Deno.errors.ConnectionAborted ||
    err instanceof Deno.errors.BrokenPipe ||
    err instanceof Deno.errors.TimedOut ||
    err instanceof Deno.errors.UnexpectedEof;
}

/** Whether another attempt may succeed: 5xx, 429, throttling codes, timeouts, socket errors. */
export function isTransientS3Error(err: unknown): boolean {
  const status = s3Status(err);
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  const code = s3Code(err);
  return THROTTLING.has(code) || SERVER.has(code) || isNetworkError(err);
}

/** Whether S3 said the bucket itself is missing. */
export function isNoSuchBucket(err: unknown): boolean {
  return s3Code(err) === "NoSuchBucket";
}

/** Whether the object (or, for HEAD, something) is missing: 404 without a bucket error. */
export function isNotFound(err: unknown): boolean {
  const code = s3Code(err);
  return code === "NoSuchKey" || code === "NotFound" ||
    (s3Status(err) === 404 && code !== "NoSuchBucket");
}

/** Turns an SDK error into an Error whose message says what failed and where; cause keeps the original. */
export function describeS3Error(err: unknown, ctx: S3ErrorContext): Error {
  const code = s3Code(err);
  const text = ((err as Error)?.message ?? String(err)).replace(/\.+$/, "");
  const detail = text.startsWith(code) ? text : `${code}: ${text}`;
  const where = `(endpoint ${ctx.endpoint})`;
  const what = ctx.key === undefined ? ctx.op : `${ctx.op} '${ctx.key}'`;
  let message: string;
  if (isNoSuchBucket(err)) {
    message = `S3 bucket '${ctx.bucket}' does not exist ${where}`;
  } else if (DENIED.has(code) || s3Status(err) === 403) {
    message = `S3 access denied for bucket '${ctx.bucket}' ${where} while trying to ${what}: ` +
      `${detail}. Check the credentials and the bucket policy`;
  } else if (isNetworkError(err)) {
    message = `Cannot reach S3 endpoint ${ctx.endpoint} to ${what} in bucket '${ctx.bucket}' ` +
      `after ${ctx.attempts} attempt(s): ${detail}`;
  } else {
    const tries = isTransientS3Error(err) ? ` after ${ctx.attempts} attempt(s)` : "";
    message = `S3 ${what} in bucket '${ctx.bucket}' ${where} failed${tries}: ${detail}`;
  }
  return new Error(message, { cause: err });
}
