/** Shared page rendering: HTML responses with security headers, and friendly error pages. */
import type { Context } from "hono";
import { ErrorPage } from "../../components/error_page.tsx";
import { PageShell } from "../../components/page_shell.tsx";
import type { AppEnv } from "../../lib/http/context.ts";
import { statusFor } from "../../lib/http/errors.ts";
import type { IslandBuild } from "../../lib/ui/island_assets.ts";
import { renderDocument } from "../../lib/ui/render_page.ts";

/**
 * Pages run no inline script (island props are inert JSON), so a strict policy holds; styles may
 * be inline because CodeMirror injects its own.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** An HTML answer; pages show live state, so they are never cached. */
export function htmlResponse(c: Context<AppEnv>, status: number, html: string): Response {
  return c.html(html, status as 200, {
    "cache-control": "no-store",
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
  });
}

/** A friendly error page for `err`: known errors keep their message; anything else is logged and hidden. */
export function errorPage(c: Context<AppEnv>, err: unknown, build: IslandBuild | null): Response {
  let status = statusFor(err) ?? (err as { status?: number }).status ?? 500;
  let message = (err as Error).message;
  if (status >= 500) {
    status = 500;
    c.var.log?.error("page failed", { error: err, stack: (err as Error).stack, path: c.req.path });
    message = "The page could not be rendered. The server log has the details for this request id.";
  }
  const html = renderDocument(
    <PageShell
      title={`${status} · Strata`}
      css={build?.urls["app.css"]}
      icon={build?.urls["favicon.svg"]}
    >
      <ErrorPage
        status={status}
        message={message}
        requestId={status >= 500 ? c.var.requestId : undefined}
      />
    </PageShell>,
  );
  return htmlResponse(c, status, html);
}
