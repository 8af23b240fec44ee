/**
 * The start-up gate shared by the launcher and the server: load the config (which validates the
 * ACL and transforms tables too), check coherence once, and explain every problem at once. Light
 * on imports on purpose: the launcher process loads only this, not the server.
 */
import { readConfig } from "../config/read.ts";
import { checkCoherence } from "../config/coherence.ts";
import { ConfigError, type LoadedConfig } from "../config/load.ts";

/**
 * The checked configuration (its warnings include coherence warnings), or null after printing
 * why Strata cannot start.
 */
export function loadCheckedConfig(env: Record<string, string | undefined>): LoadedConfig | null {
  try {
    const loaded = readConfig(env);
    const { conflicts, warnings } = checkCoherence(loaded.config);
    if (conflicts.length > 0) {
      console.error(
        `Strata cannot start: the configuration is incoherent.\n${
          conflicts.map((c) => `  - ${c}`).join("\n")
        }`,
      );
      return null;
    }
    return { config: loaded.config, warnings: [...loaded.warnings, ...warnings] };
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Strata cannot start. ${err.message}`);
      return null;
    }
    throw err;
  }
}
