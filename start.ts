/**
 * `deno task start`: the light launcher. It loads only the configuration code, checks it, and
 * re-runs main.ts as the server under the permissions the configuration needs (see
 * lib/launcher/). `main.ts serve` does the same; this entry just avoids loading the whole server
 * twice, which keeps start-to-ready short.
 */
import { loadCheckedConfig } from "./lib/launcher/checked_config.ts";
import { processEnv, relaunchServer } from "./lib/launcher/launch.ts";

if (import.meta.main) {
  const env = processEnv();
  const loaded = loadCheckedConfig(env);
  const code = loaded
    ? await relaunchServer({
      config: loaded.config,
      mainModule: new URL("./main.ts", import.meta.url).href,
      args: ["serve"],
      env,
    })
    : 2;
  Deno.exit(code);
}
