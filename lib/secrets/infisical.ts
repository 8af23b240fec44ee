/**
 * Infisical provider: lists the secrets at (project, environment, path) with the real
 * `@infisical/sdk` client, authenticating from the server's environment only.
 *
 * - Machine Identity / Universal Auth (INFISICAL_CLIENT_ID + INFISICAL_CLIENT_SECRET) wins when
 *   both kinds of credential are set; else INFISICAL_TOKEN. SDK 5 has no service-token login, so
 *   the token goes through `auth().accessToken(...)` as a bearer token. For a classic service token
 *   (`st.<id>.<secret>.<key>`) only the part before the last "." is sent, as Infisical documents
 *   (the last part is a client-side decryption key); any other token (e.g. an access token from
 *   `infisical login --plain`) is sent as is.
 * - Credentials go only to a host the server's environment trusts: INFISICAL_HOST, or
 *   https://app.infisical.com when unset. A notebook's `base_url` on another origin is refused, so
 *   a shared notebook cannot send the server's credentials to a host of its choosing.
 * - The SDK retries network errors four times with 1-8 s backoff (15 s) and cannot be cancelled,
 *   so a cheap `GET /api/status` probe runs first: an unreachable host fails in milliseconds with
 *   the real cause. The whole fetch also has a deadline; a late SDK promise is left to settle.
 * - The SDK is imported on first fetch (~100 ms; it reads the env vars
 *   AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA and AWS_LAMBDA_BENCHMARK_MODE when loaded).
 */

import type { InfisicalCredentials } from "../config/credentials.ts";
import type {
  SecretFetchContext,
  SecretFetchResult,
  SecretManagerConfig,
  SecretProvider,
} from "./provider.ts";
import { scrub } from "./_scrub.ts";
import { importOptional } from "../optional_import.ts";

/** The exact message when neither credential kind is in the server's environment. */
export const INFISICAL_NO_CREDENTIALS =
  "No Infisical credentials in the process environment. Set either INFISICAL_CLIENT_ID + " +
  "INFISICAL_CLIENT_SECRET (Machine Identity / Universal Auth, recommended) or INFISICAL_TOKEN " +
  "(service token, legacy) in the shell that launched Strata.";

/** Infisical Cloud, used when neither `base_url` nor INFISICAL_HOST is set. */
export const INFISICAL_DEFAULT_URL = "https://app.infisical.com";

/** Options for infisicalProvider. */
export interface InfisicalProviderOptions {
  /** Deadline for one whole fetch (probe, login, list). @default 10_000 */
  timeoutMs?: number;
  /** Origins besides INFISICAL_HOST that a notebook's base_url may name. @default [] */
  trustedOrigins?: readonly string[];
}

type Credentials =
  | { kind: "universal-auth"; clientId: string; clientSecret: string }
  | { kind: "token"; token: string; bearer: string };

/** Creates the Infisical SecretProvider. */
export function infisicalProvider(options: InfisicalProviderOptions = {}): SecretProvider {
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, got ${timeoutMs}`);
  const trusted = (options.trustedOrigins ?? []).map((o) => new URL(o).origin);

  return {
    name: "infisical",
    fetch: function fetchInfisical(config, ctx) {
      return fetchSecrets(config, ctx, timeoutMs, trusted);
    },
  };
}

async function fetchSecrets(
  config: SecretManagerConfig,
  ctx: SecretFetchContext,
  timeoutMs: number,
  trustedOrigins: string[],
): Promise<SecretFetchResult> {
  const creds = readCredentials(ctx.credentials.infisical);
  const fail = (error: string): SecretFetchResult => ({
    secrets: {},
    source: "infisical",
    fetchedAt: new Date(),
    error: scrub(error, credentialValues(creds)),
  });
  if (!creds) return fail(INFISICAL_NO_CREDENTIALS);
  const site = resolveSiteUrl(config.base_url, ctx.credentials.infisical.host, trustedOrigins);
  if ("error" in site) return fail(site.error);

  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort("timeout"), timeoutMs);
  const onCancel = () => deadline.abort("cancelled");
  ctx.signal?.addEventListener("abort", onCancel, { once: true });
  if (ctx.signal?.aborted) deadline.abort("cancelled");
  const within = <T>(work: Promise<T>) => raceAbort(work, deadline.signal, timeoutMs);
  let stage = creds.kind === "universal-auth" ? "authentication" : "list_secrets";
  const prefix = () => `Infisical ${stage} failed: `;
  try {
    const reachable = await within(probe(site.url, deadline.signal));
    if (reachable) return fail(prefix() + reachable);
    const { InfisicalSDK } = await within(
      importOptional<typeof import("@infisical/sdk")>("@infisical/sdk"), // lazily fetched
    );
    const sdk = new InfisicalSDK({ siteUrl: site.url });
    if (creds.kind === "universal-auth") {
      const { clientId, clientSecret } = creds;
      await within(sdk.auth().universalAuth.login({ clientId, clientSecret }));
    } else {
      sdk.auth().accessToken(creds.bearer);
    }
    stage = "list_secrets";
    const list = await within(
      sdk.secrets().listSecretsWithImports({
        projectId: config.project_id,
        environment: config.environment,
        secretPath: config.path,
        expandSecretReferences: true,
        viewSecretValue: true,
      }),
    );
    const secrets = toRecord(list);
    if (!secrets) return fail(prefix() + "the response did not contain a list of secrets");
    return { secrets, source: "infisical", fetchedAt: new Date() };
  } catch (err) {
    return fail(prefix() + describe(err));
  } finally {
    clearTimeout(timer);
    ctx.signal?.removeEventListener("abort", onCancel);
  }
}

function readCredentials(c: InfisicalCredentials): Credentials | null {
  const clientId = c.clientId?.trim();
  const clientSecret = c.clientSecret?.trim();
  if (clientId && clientSecret) return { kind: "universal-auth", clientId, clientSecret };
  const token = c.token?.trim();
  if (!token) return null;
  const parts = token.split(".");
  const bearer = parts[0] === "st" && parts.length === 4 ? parts.slice(0, 3).join(".") : token;
  return { kind: "token", token, bearer };
}

function credentialValues(creds: Credentials | null): string[] {
  if (!creds) return [];
  if (creds.kind === "universal-auth") return [creds.clientId, creds.clientSecret];
  return [creds.token, creds.bearer, ...creds.token.split(".").filter((p) => p !== "st")];
}

function resolveSiteUrl(
  baseUrl: string | undefined,
  host: string | undefined,
  trustedOrigins: string[],
): { url: string } | { error: string } {
  const hostUrl = normalizeUrl(host?.trim() || INFISICAL_DEFAULT_URL);
  if (!hostUrl) return { error: `INFISICAL_HOST '${host}' is not an http(s) URL` };
  if (!baseUrl) return { url: hostUrl };
  const url = normalizeUrl(baseUrl);
  if (!url) return { error: `[secret_manager].base_url '${baseUrl}' is not an http(s) URL` };
  const origin = new URL(url).origin;
  if (origin === new URL(hostUrl).origin || trustedOrigins.includes(origin)) return { url };
  return {
    error: `Infisical base_url '${origin}' is not trusted by this server: credentials are only ` +
      `sent to INFISICAL_HOST (${new URL(hostUrl).origin}). To use this Infisical, set ` +
      `INFISICAL_HOST=${origin} in the shell that launched Strata.`,
  };
}

// The SDK wants the site URL; people often paste the CLI's INFISICAL_API_URL form ending in /api.
function normalizeUrl(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  const path = url.pathname.replace(/\/+$/, "").replace(/\/api$/, "");
  return `${url.origin}${path}`;
}

/** Returns a reason when the site cannot be reached at all, else "" (any HTTP answer is fine). */
async function probe(siteUrl: string, signal: AbortSignal): Promise<string> {
  try {
    const res = await fetch(`${siteUrl}/api/status`, { signal });
    await res.body?.cancel();
    return "";
  } catch (err) {
    if (signal.aborted) throw err;
    return `cannot reach ${new URL(siteUrl).origin}: ${describe(err)}`;
  }
}

class DeadlineError extends Error {}

function raceAbort<T>(work: Promise<T>, signal: AbortSignal, timeoutMs: number): Promise<T> {
  work.catch(() => {}); // a late rejection after the deadline must not be unhandled
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      const why = signal.reason === "timeout" ? `no answer within ${timeoutMs} ms` : "cancelled";
      reject(new DeadlineError(why));
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function toRecord(list: unknown): Record<string, string> | null {
  if (!Array.isArray(list)) return null;
  const out: Record<string, string> = {};
  for (const item of list) {
    if (typeof item?.secretKey !== "string" || typeof item?.secretValue !== "string") return null;
    out[item.secretKey] = item.secretValue;
  }
  return out;
}

// SDK request errors read "[URL=u] [Method=m] [StatusCode=s] message"; show "message (HTTP s, m
// path)" without the query string, and cap the length (error pages can be whole HTML documents).
function describe(err: unknown): string {
  if (err instanceof DeadlineError) return err.message;
  const raw = err instanceof Error ? err.message : String(err);
  const m = /^\[URL=(\S*)\] \[Method=(\w+)\] \[StatusCode=(\d+)\] ([\s\S]*)$/.exec(raw);
  let text = raw;
  if (m) {
    let path = m[1];
    try {
      path = new URL(m[1]).pathname;
    } catch { /* keep the raw URL */ }
    text = `${m[4]} (HTTP ${m[3]}, ${m[2]} ${path})`;
  }
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
