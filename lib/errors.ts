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
