/**
 * Stand-alone entry of the reference worker (`deno run -A lib/worker/main.ts --port 8790`), the
 * same code `strata worker` runs. Only entry points read the process environment.
 */
import { processEnv } from "../launcher/launch.ts";
import { workerCli } from "./cli.ts";

if (import.meta.main) {
  Deno.exit(
    await workerCli(Deno.args, {
      env: processEnv(),
      mainModule: Deno.mainModule,
      codeRoot: new URL("../..", import.meta.url).pathname.replace(/\/$/, ""),
    }),
  );
}
