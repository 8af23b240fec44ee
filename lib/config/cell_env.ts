/**
 * The one allowlist of environment variables cell processes start with: what Deno needs to find
 * its module cache, plus the variables that make it work behind a proxy or a custom CA
 * (configurable with `cell_env_passthrough`). Never secrets: a secret-looking name is refused
 * when the configuration is loaded.
 */
import { isSensitiveKey } from "../secrets/sensitive.ts";

/** What every cell process gets: the module cache and the basics. */
export const CELL_BASE_ENV: readonly string[] = [
  "HOME",
  "DENO_DIR",
  "XDG_CACHE_HOME",
  "PATH",
  "TZ",
  "NO_COLOR",
];

/** The default `cell_env_passthrough`: proxies and CA bundles for npm/remote module downloads. */
export const DEFAULT_CELL_ENV_PASSTHROUGH: readonly string[] = [
  "NODE_EXTRA_CA_CERTS",
  "DENO_CERT",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
];

/** Why a passthrough name is not allowed, or null. */
export function passthroughProblem(name: string): string | null {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return `'${name}' is not an environment name`;
  if (isSensitiveKey(name)) {
    return `'${name}' looks like a secret; cell processes never receive secrets this way`;
  }
  if (name.startsWith("STRATA_") || name.startsWith("INFISICAL_") || name.startsWith("AWS_")) {
    return `'${name}' is a server setting or credential, not for cells`;
  }
  return null;
}

/** The environment cell processes start with: base names plus `passthrough`, where set. */
export function cellEnvFrom(
  env: Readonly<Record<string, string | undefined>>,
  passthrough: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of [...CELL_BASE_ENV, ...passthrough]) {
    const v = env[k];
    if (v !== undefined && v !== "") out[k] = v;
  }
  return out;
}
