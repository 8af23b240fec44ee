/** Domain errors thrown by lib/ code; lib/http/errors.ts maps each to one HTTP status and body. */

/** Base for errors whose message is safe to show a client. */
export class StrataError extends Error {
  /** Machine-readable code for the JSON error body. */
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Input that fails validation (400). */
export class ValidationError extends StrataError {
  constructor(message: string, options?: ErrorOptions) {
    super("invalid_request", message, options);
  }
}

/** A resource that does not exist, or whose existence is private (404). */
export class NotFoundError extends StrataError {
  constructor(message: string, options?: ErrorOptions) {
    super("not_found", message, options);
  }
}

/** The caller is known but may not do this (403). */
export class ForbiddenError extends StrataError {
  constructor(message: string, options?: ErrorOptions) {
    super("forbidden", message, options);
  }
}

/** The caller could not be authenticated (401). */
export class UnauthorizedError extends StrataError {
  constructor(message = "Authentication required", options?: ErrorOptions) {
    super("unauthorized", message, options);
  }
}

/**
 * The request conflicts with current state, e.g. a session already running (409). `details` is
 * sent in the error body (e.g. a refused edit carries the cell's current source and version).
 */
export class ConflictError extends StrataError {
  readonly details?: Record<string, unknown>;
  constructor(message: string, options?: ErrorOptions & { details?: Record<string, unknown> }) {
    super("conflict", message, options);
    this.details = options?.details;
  }
}

/** A request body above the configured limit (413). */
export class PayloadTooLargeError extends StrataError {
  constructor(message: string, options?: ErrorOptions) {
    super("payload_too_large", message, options);
  }
}

/** The server's storage is full (507): nothing was written, the previous state is intact. */
export class StorageFullError extends StrataError {
  constructor(message: string, options?: ErrorOptions) {
    super("storage_full", message, options);
  }
}

/**
 * A system error as a domain error with a message that names the problem, not the server's
 * paths: a full disk (ENOSPC, EDQUOT) is a StorageFullError, a name longer than the file system
 * allows (ENAMETOOLONG) a ValidationError. Anything else is returned unchanged.
 */
export function fromSystemError(err: unknown): unknown {
  if (err instanceof StrataError || !(err instanceof Error)) return err;
  const code = (err as { code?: unknown }).code;
  if (code === "ENOSPC" || code === "EDQUOT") {
    return new StorageFullError(
      "Cannot save: the server's storage is full (no space left on device); nothing was " +
        "changed. Free space or ask the operator.",
      { cause: err },
    );
  }
  if (code === "ENAMETOOLONG") {
    return new ValidationError(
      "A name is too long for the file system: each path segment may be at most 255 bytes",
      { cause: err },
    );
  }
  return err;
}
