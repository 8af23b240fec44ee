/** Reads configuration from the process: the environment and strata.toml (or STRATA_CONFIG). */
import { ConfigError, loadConfig, type LoadedConfig } from "./load.ts";

/** Loads config from an environment object; the file is STRATA_CONFIG or ./strata.toml if present. */
export function readConfig(env: Record<string, string | undefined>): LoadedConfig {
  const explicit = env.STRATA_CONFIG;
  const path = explicit ?? "strata.toml";
  let text: string | undefined;
  try {
    text = Deno.readTextFileSync(path);
  } catch (err) {
    // NotCapable: the permission-scoped server may not read the working directory; the launcher
    // already looked there and passes STRATA_CONFIG when it found a file.
    const absent = err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotCapable;
    if (explicit || !absent) {
      throw new ConfigError([`Cannot read config file '${path}': ${(err as Error).message}`]);
    }
  }
  return loadConfig(env, text === undefined ? null : { path: absolute(path), text });
}

function absolute(path: string): string {
  return path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
}
