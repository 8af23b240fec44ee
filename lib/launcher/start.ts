/**
 * The launcher behind `deno task start`, loaded by start.ts: loads and checks the configuration,
 * then re-runs main.ts as the server under the permissions it needs (launch.ts). It imports only
 * the configuration code, not the server, so the server's module graph is loaded once.
 */
import { loadCheckedConfig } from "./checked_config.ts";
import { processEnv, relaunchServer } from "./launch.ts";

/** Runs `mainModule serve` as the permission-scoped server; resolves to the exit code (2: bad config). */
export async function launchServer(mainModule: string): Promise<number> {
  const env = processEnv();
  const loaded = loadCheckedConfig(env);
  if (!loaded) return 2;
  return await relaunchServer({ config: loaded.config, mainModule, args: ["serve"], env });
}
