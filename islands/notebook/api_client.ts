/** JSON calls to the Strata API from the browser; error bodies become readable Error messages. */

/** An API call that answered with an error body. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** Extra facts of the error (a 409 edit conflict: the cell's current source and version). */
  readonly details?: Record<string, unknown>;
  constructor(
    status: number,
    code: string,
    message: string,
    details?: Record<string, unknown>,
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** Sends a JSON request and returns the parsed answer; throws ApiError on a non-2xx status. */
export async function apiCall<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError(0, "network", "The server cannot be reached; check that Strata is running");
  }
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch { /* not JSON */ }
  if (!res.ok) {
    const err = (parsed as {
      error?: { code?: string; message?: string; details?: Record<string, unknown> };
    } | null)?.error;
    throw new ApiError(
      res.status,
      err?.code ?? "http_error",
      err?.message ?? `Request failed (${res.status})`,
      err?.details,
    );
  }
  return parsed as T;
}

/** The URL of a notebook's editor page. */
export function notebookHref(path: string): string {
  // "." is a notebook at the root itself (`strata serve ./demo`): its page is /notebooks/.
  if (path === ".") return "/notebooks/";
  return `/notebooks/${path.split("/").map(encodeURIComponent).join("/")}`;
}
