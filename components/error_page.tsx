/** A friendly error page: what happened and where to go; never a stack trace. */

/** Props of ErrorPage. */
export interface ErrorPageProps {
  status: number;
  message: string;
  /** Shown so a user can quote it when reporting a server error. */
  requestId?: string;
}

const HEADINGS: Record<number, string> = {
  400: "That request did not work",
  403: "Not allowed",
  404: "Page not found",
  500: "Something went wrong",
};

/** The page body. */
export function ErrorPage({ status, message, requestId }: ErrorPageProps) {
  return (
    <main class="error-page">
      <p class="error-status">{status}</p>
      <h1>{HEADINGS[status] ?? (status >= 500 ? HEADINGS[500] : HEADINGS[400])}</h1>
      <p class="error-message">{message}</p>
      {requestId && (
        <p class="muted small">
          Request id: <code>{requestId}</code>
        </p>
      )}
      <p>
        <a href="/" class="btn-link">Go to your notebooks</a>
      </p>
    </main>
  );
}
