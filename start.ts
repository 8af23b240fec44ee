/**
 * `deno task start`: the light launcher. It loads only the configuration code, checks it, and
 * re-runs main.ts as the permission-scoped server (lib/launcher/start.ts). `main.ts serve` does
 * the same; this entry just avoids loading the whole server twice, which keeps start-to-ready
 * short.
 *
 * Issue 20: the task runs this file with `--node-modules-dir=manual`. In deno.json's `auto` mode
 * Deno parses the registry metadata of every npm package a process loads to check node_modules,
 * at every start (≈10 ms of the launcher's CPU for zod and smol-toml; docs/performance.md). A
 * `manual` process cannot install, so this file imports no npm package: it makes sure the
 * launcher's packages are installed (a fresh checkout installs them here, once) and then loads
 * the launcher through a specifier Deno does not follow when it builds this file's graph.
 */
import { launcherPackagesInstalled } from "./lib/launcher/node_modules.ts";

const LAUNCHER = "./lib/launcher/start.ts";

if (import.meta.main) {
  const root = import.meta.dirname!;
  if (!launcherPackagesInstalled(root)) await installLauncherPackages(root);
  const launcher: typeof import("./lib/launcher/start.ts") = await import(
    import.meta.resolve(LAUNCHER)
  );
  Deno.exit(await launcher.launchServer(import.meta.resolve("./main.ts")));
}

/** Installs what the launcher's graph needs (`deno install --entrypoint`; prints its progress). */
async function installLauncherPackages(root: string): Promise<void> {
  await new Deno.Command(Deno.execPath(), {
    args: ["install", "--entrypoint", LAUNCHER],
    cwd: root,
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).output();
}
