/**
 * loadConfig: defaults < strata.toml (or the file named by STRATA_CONFIG) < STRATA_* environment,
 * validated key by key so every error names the key, the value and where it came from.
 */
import { parse as parseToml, TomlError } from "smol-toml";
import type { z } from "zod";
import { type ConfigKey, FIELDS, type FieldSpec } from "./schema.ts";
import { type Config, resolveConfig } from "./resolve.ts";
import { readCredentials } from "./credentials.ts";

/** Thrown when configuration cannot be loaded; `problems` lists every issue found. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** The config file as read by the caller (main.ts reads it; this module does no I/O). */
export interface ConfigFile {
  path: string;
  text: string;
}

/** A loaded configuration plus non-fatal notes (unknown STRATA_* variables, ...). */
export interface LoadedConfig {
  config: Config;
  warnings: string[];
}

/** Where a raw value came from, for messages: "default", "strata.toml", "env STRATA_PORT". */
interface RawValue {
  value: unknown;
  source: string;
}

const ENV_PREFIX = "STRATA_";
/** STRATA_* variables that are not settings (read by the launcher, scripts or tests). */
const NON_SETTING_ENV = new Set([
  "STRATA_CONFIG",
  "STRATA_DENO",
  "STRATA_IN_PROCESS",
  "STRATA_ENV_NAMES",
  // Set by a launcher for the process it relaunched, which ends itself when the launcher dies.
  "STRATA_LAUNCHER_PID",
  "STRATA_WORKER_LAUNCHER_PID",
]);

/** Each key's schema, built the first time a value of that key is validated. */
const schemas = new Map<ConfigKey, z.ZodType>();

function schemaOf(key: ConfigKey): z.ZodType {
  let schema = schemas.get(key);
  if (!schema) {
    schema = (FIELDS[key] as FieldSpec).schema();
    schemas.set(key, schema);
  }
  return schema;
}

/** Parses and validates configuration from an environment and an optional TOML file. */
export function loadConfig(
  env: Record<string, string | undefined>,
  file?: ConfigFile | null,
): LoadedConfig {
  const problems: string[] = [];
  const warnings: string[] = [];
  const raw = new Map<ConfigKey, RawValue>();

  if (file) readToml(file, raw, problems);
  readEnv(env, raw, problems, warnings);

  const values: Partial<Record<ConfigKey, unknown>> = {};
  const sources: Partial<Record<ConfigKey, string>> = {};
  for (const [key, { value, source }] of raw) {
    const spec: FieldSpec = FIELDS[key];
    const result = schemaOf(key).safeParse(value);
    if (!result.success) {
      const shown = spec.secret ? "<redacted>" : JSON.stringify(value);
      const why = result.error.issues.map((i) => i.message).join("; ");
      problems.push(`${key} = ${shown} (from ${source}): ${why}`);
      continue;
    }
    values[key] = result.data;
    sources[key] = source;
  }
  const home = env.HOME;
  if (!home && (!values.data_dir || !values.notebook_storage_dir)) {
    problems.push(
      "HOME is not set: set STRATA_DATA_DIR and STRATA_NOTEBOOK_STORAGE_DIR explicitly",
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const credentials = readCredentials(env, isSettingEnv);
  return {
    config: resolveConfig(values, sources, { home: home ?? "/", credentials, env }, file?.path),
    warnings,
  };
}

function readToml(file: ConfigFile, raw: Map<ConfigKey, RawValue>, problems: string[]): void {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(file.text) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof TomlError) {
      const first = err.message.split("\n")[0];
      problems.push(`${file.path}:${err.line}:${err.column}: malformed TOML: ${first}`);
    } else {
      problems.push(`${file.path}: cannot parse TOML: ${(err as Error).message}`);
    }
    return;
  }
  for (const [key, value] of Object.entries(doc)) {
    if (!(key in FIELDS)) {
      problems.push(`${file.path}: unknown key '${key}'${suggest(key)}`);
      continue;
    }
    const k = key as ConfigKey;
    const spec: FieldSpec = FIELDS[k];
    // TOML has real types; accept a string for a list as a comma list for convenience.
    const converted = spec.kind === "list" && typeof value === "string"
      ? splitList(value)
      : value instanceof Date
      ? value.toISOString()
      : value;
    raw.set(k, { value: converted, source: file.path });
  }
}

function readEnv(
  env: Record<string, string | undefined>,
  raw: Map<ConfigKey, RawValue>,
  problems: string[],
  warnings: string[],
): void {
  for (const [name, text] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || text === undefined || NON_SETTING_ENV.has(name)) continue;
    const key = name.slice(ENV_PREFIX.length).toLowerCase();
    if (!(key in FIELDS)) {
      // STRATA_*_TOKEN variables are credentials `[[workers]] token_env` may name.
      if (!name.startsWith("STRATA_TEST_") && !name.endsWith("_TOKEN")) {
        warnings.push(`ignored unknown environment variable ${name}${suggest(key)}`);
      }
      continue;
    }
    const k = key as ConfigKey;
    const source = `env ${name}`;
    const converted = fromEnvString(FIELDS[k], text);
    if (converted.error) {
      const shown = (FIELDS[k] as FieldSpec).secret ? "<redacted>" : JSON.stringify(text);
      problems.push(`${key} = ${shown} (from ${source}): ${converted.error}`);
      continue;
    }
    raw.set(k, { value: converted.value, source });
  }
}

/** True when an environment name is a STRATA_* setting or a name the loader itself reads. */
function isSettingEnv(name: string): boolean {
  return NON_SETTING_ENV.has(name) ||
    (name.startsWith(ENV_PREFIX) && name.slice(ENV_PREFIX.length).toLowerCase() in FIELDS);
}

const TRUE = new Set(["true", "1", "yes", "on"]);
const FALSE = new Set(["false", "0", "no", "off", ""]);

/** Converts an environment string to the key's type (booleans: "false"/"0" are false). */
function fromEnvString(spec: FieldSpec, text: string): { value?: unknown; error?: string } {
  const t = text.trim();
  switch (spec.kind) {
    case "bool":
      if (TRUE.has(t.toLowerCase())) return { value: true };
      if (FALSE.has(t.toLowerCase())) return { value: false };
      return { error: "expected true/false (also 1/0, yes/no, on/off)" };
    case "int":
      return /^-?\d+$/.test(t) ? { value: Number(t) } : { error: "expected a whole number" };
    case "list":
      return { value: splitList(t) };
    case "table":
      try {
        return { value: JSON.parse(t) };
      } catch (err) {
        return { error: `expected JSON: ${(err as Error).message}` };
      }
    default:
      return { value: text };
  }
}

function splitList(text: string): string[] {
  return text.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
}

function suggest(key: string): string {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const candidate of Object.keys(FIELDS)) {
    const d = distance(key, candidate);
    if (d < bestScore) [best, bestScore] = [candidate, d];
  }
  return best && bestScore <= 3 ? ` (did you mean '${best}'?)` : "";
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}
