// Entry of the single-file build (scripts/build.ts): registers the optional packages, then runs
// the CLI as main.ts does when it is the program (in a bundle, main.ts is not the entry, so its
// own `import.meta.main` block stays off).
import "./_bundle_optional.ts";
import { launch } from "../main.ts";
import { runCli } from "../lib/cli/mod.ts";
import { processEnv } from "../lib/launcher/launch.ts";

Deno.exit(await runCli(Deno.args, { env: processEnv(), serve: launch }));
