/**
 * The start-up gate shared by the launcher and the server: load the config, check coherence and
 * the tables (ACL, transforms), and explain every problem at once. Light on imports on purpose:
 * the launcher process loads only this, not the server.
 */
import { readConfig } from "../config/read.ts";
import { checkCoherence } from "../config/coherence.ts";
import { ConfigError, type LoadedConfig } from "../config/load.ts";
import { parseAcl } from "../acl/acl.ts";
import { parseTransforms } from "../transforms/transforms.ts";

/** The checked configuration, or null after printing why Strata cannot start. */
export function loadCheckedConfig(env: Record<string, string | undefined>): LoadedConfig | null {
  try {
    const loaded = readConfig(env);
    const { conflicts } = checkCoherence(loaded.config);
    const tables: [string, () => unknown][] = [
      ["acl_config", () => loaded.config.acl && parseAcl(loaded.config.acl)],
      ["transforms", () => parseTransforms(loaded.config.transforms)],
    ];
    for (const [what, check] of tables) {
      try {
        check();
      } catch (err) {
        conflicts.push(`${what}: ${(err as Error).message}`);
      }
    }
    if (conflicts.length > 0) {
      console.error(
        `Strata cannot start: the configuration is incoherent.\n${
          conflicts.map((c) => `  - ${c}`).join("\n")
        }`,
      );
      return null;
    }
    return loaded;
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Strata cannot start. ${err.message}`);
      return null;
    }
    throw err;
  }
}
