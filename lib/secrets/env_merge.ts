/**
 * The notebook environment merge: notebook.toml `[env]`, a secret manager's values and the
 * Runtime panel's session-only overrides, each key tagged with where its value came from.
 *
 * Precedence, from the Secret Manager Integration document:
 * 1. a manual (Runtime panel) value wins for the session; removing it falls back to 2 or 3;
 * 2. a fetched value fills a key that `[env]` lacks, or whose `[env]` value is the blanked
 *    placeholder "" of a sensitive key (blanking is what writes "" to disk);
 * 3. otherwise the `[env]` value stays: a non-blank notebook value, or "" on a non-sensitive key
 *    (blanking never writes that, so the author chose it), is not overwritten by the manager.
 */

import { ValidationError } from "../errors.ts";
import { isSensitiveKey, SENSITIVE_MARKERS } from "./sensitive.ts";

/** Where an env value came from: "notebook", "manual", or a provider name such as "infisical". */
export type EnvSource = "notebook" | "manual" | (string & Record<never, never>);

/** Inputs to mergeEnv. */
export interface MergeEnvInput {
  /** The notebook's `[env]` table as loaded (sensitive values blanked to ""). */
  notebookEnv: Readonly<Record<string, string>>;
  /** Values typed in the Runtime panel this session. @default {} */
  manual?: Readonly<Record<string, string>>;
  /** Values from the secret manager's last successful fetch. @default {} */
  fetched?: Readonly<Record<string, string>>;
  /** The provider name recorded as the source of fetched values. @default "secret_manager" */
  fetchedSource?: string;
}

/** The environment a cell run sees, plus each key's source. */
export interface MergedEnv {
  /** Key → value; contains secrets, so it goes to the executor only. */
  env: Record<string, string>;
  /** Key → where the value came from. */
  sources: Record<string, EnvSource>;
  /**
   * Keys whose values are secrets, by source rather than by name: every value from a secret
   * manager or entered as a secret (manual values are always secrets: non-secret values are
   * written to `[env]`), plus sensitive names wherever they came from. Never hashed, shown or
   * stored; cell output is redacted of them.
   */
  secretKeys: ReadonlySet<string>;
}

/** One env row as shown to a browser or API client; never carries a secret's value. */
export interface PublicEnvRow {
  key: string;
  source: EnvSource;
  /** True for sensitive key names and for any value from a secret manager or entered as secret. */
  secret: boolean;
  /** Whether a non-empty value is set (an unfilled blanked placeholder shows false). */
  hasValue: boolean;
  /** The value, only when `secret` is false. */
  value?: string;
}

/** Merges notebook, fetched and manual values per the documented precedence. Pure. */
export function mergeEnv(input: MergeEnvInput): MergedEnv {
  const { notebookEnv, manual = {}, fetched = {}, fetchedSource = "secret_manager" } = input;
  const env: Record<string, string> = {};
  const sources: Record<string, EnvSource> = {};
  for (const [key, value] of Object.entries(notebookEnv)) {
    env[key] = value;
    sources[key] = "notebook";
  }
  for (const [key, value] of Object.entries(fetched)) {
    if (!Object.hasOwn(env, key) || isBlankedPlaceholder(key, env[key])) {
      env[key] = value;
      sources[key] = fetchedSource;
    }
  }
  for (const [key, value] of Object.entries(manual)) {
    env[key] = value;
    sources[key] = "manual";
  }
  const secretKeys = new Set(
    Object.keys(env).filter((key) => isSecretSource(sources[key]) || isSensitiveKey(key)),
  );
  return { env, sources, secretKeys };
}

/** True for every source but the notebook's own `[env]`: managers and manual (secret) entries. */
export function isSecretSource(source: EnvSource | undefined): boolean {
  return source !== undefined && source !== "notebook";
}

/**
 * Whether a value set through `PUT /env` is kept as a secret: `flag` when given; otherwise a
 * key that is a secret now (from a manager, or entered as secret) stays one, so updating it
 * without repeating the flag never writes it to disk. Sensitive names are always secrets: a
 * `false` flag on one is a ValidationError naming the key.
 */
export function entersAsSecret(
  key: string,
  flag: boolean | undefined,
  currentSource: EnvSource | undefined,
): boolean {
  if (isSensitiveKey(key)) {
    if (flag === false) {
      throw new ValidationError(
        `Cannot store env key '${key}' as a plain value: names containing ${SENSITIVE_MARKERS} ` +
          "are always secrets (kept in memory, never written to notebook.toml). Rename the key to store it in [env].",
      );
    }
    return true;
  }
  return flag ?? isSecretSource(currentSource);
}

/** Name → value of the secrets in a merged env (for redaction; memory only); {} for none. */
export function secretValues(merged: MergedEnv | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!merged) return out;
  for (const key of merged.secretKeys) if (merged.env[key]) out[key] = merged.env[key];
  return out;
}

/** True when `value` is what blanking writes to disk for a sensitive key. */
export function isBlankedPlaceholder(key: string, value: string | undefined): boolean {
  return value === "" && isSensitiveKey(key);
}

/** The browser-safe view of a merged env, sorted by key: names and sources, no secret values. */
export function publicEnvView(merged: MergedEnv): PublicEnvRow[] {
  return Object.keys(merged.env).sort().map((key) => {
    const source = merged.sources[key] ?? "notebook";
    const value = merged.env[key];
    const secret = merged.secretKeys.has(key);
    const row: PublicEnvRow = { key, source, secret, hasValue: value !== "" };
    if (!secret) row.value = value;
    return row;
  });
}
