/**
 * The launcher: re-runs this program under the permissions its config needs, either as the
 * server (`strata serve`) or as one CLI command (`strata run <dir>`, `strata gc`, ...).
 */
import type { Config } from "../config/resolve.ts";
import { commandPermissionFlags, SERVER_ENV, serverPermissionFlags } from "./permissions.ts";
import { KILL_PATH } from "./kill_path.ts";
import { CELL_BASE_ENV } from "../config/cell_env.ts";
import { nodeModulesFlags } from "./node_modules.ts";

/** The file path of a `file:` module URL (decoded: a folder name may hold spaces). */
export function modulePath(url: string): string {
  return decodeURIComponent(new URL(url).pathname);
}

/** Options for relaunchServer. */
export interface RelaunchOptions {
  config: Config;
  /** The module to run (Deno.mainModule: main.ts or the single-file bundle). */
  mainModule: string;
  /** Arguments passed to the server process. */
  args: string[];
  env: Record<string, string | undefined>;
}

/** Options for relaunchCommand. */
export interface RelaunchCommandOptions extends RelaunchOptions {
  /** Folders the command reads and writes besides the configured ones (absolute). */
  dirs: readonly string[];
  /** Programs the command may run besides deno (e.g. `git`). */
  run?: readonly string[];
}

/** Spawns the permission-scoped server and forwards SIGINT/SIGTERM; resolves to its exit code. */
export async function relaunchServer(options: RelaunchOptions): Promise<number> {
  const ctx = launchContext(options);
  // Issue 20: `manual` node_modules when the server's packages are all installed (node_modules.ts).
  const modules = nodeModulesFlags(
    ctx.codeRoot,
    modulePath(options.mainModule),
    options.config,
    options.env,
  );
  return await spawnScoped(
    options,
    [...modules, ...serverPermissionFlags(options.config, ctx)],
    "null",
  );
}

/**
 * Re-runs one CLI command under the server's permissions minus the listen address, plus the
 * folders it works on; stdin is inherited (`strata cell add` reads the source from it).
 */
export async function relaunchCommand(options: RelaunchCommandOptions): Promise<number> {
  const ctx = launchContext(options);
  return await spawnScoped(
    options,
    commandPermissionFlags(options.config, ctx, options.dirs, options.run),
    "inherit",
  );
}

function launchContext(options: RelaunchOptions) {
  const mainPath = modulePath(options.mainModule);
  const codeRoot = mainPath.slice(0, mainPath.lastIndexOf("/"));
  return { denoPath: Deno.execPath(), codeRoot, env: options.env, killPath: KILL_PATH };
}

async function spawnScoped(
  options: RelaunchOptions,
  flags: string[],
  stdin: "null" | "inherit",
): Promise<number> {
  const mainPath = modulePath(options.mainModule);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...runFlags(mainPath), ...flags, mainPath, ...options.args],
    env: relaunchEnv(options.config, options.env),
    clearEnv: true,
    stdin,
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  return await waitForwardingSignals(child);
}

/**
 * The relaunched process's whole environment: the variables the server may read (SERVER_ENV,
 * the cells' base set and passthrough), their names in STRATA_ENV_NAMES, and two variables Deno
 * itself reads (the server has no permission to): the launcher's DENO_V8_FLAGS, since V8 rejects
 * a code cache written under other flags, so the launcher and the server must run with the same;
 * and DENO_NO_UPDATE_CHECK, since otherwise Deno looks up and fetches its latest version over
 * https about a second after the server starts (a DNS query and a TLS handshake the server never
 * needs; issue 20).
 */
export function relaunchEnv(
  config: Config,
  env: Record<string, string | undefined>,
): Record<string, string> {
  const childEnv: Record<string, string> = { STRATA_IN_PROCESS: "1" };
  const names = new Set<string>();
  const prefixes: string[] = [];
  for (const p of [...SERVER_ENV, ...CELL_BASE_ENV, ...config.cellEnvPassthrough]) {
    if (p.endsWith("*")) prefixes.push(p.slice(0, -1));
    else names.add(p);
  }
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined && (names.has(k) || prefixes.some((p) => k.startsWith(p)))) {
      childEnv[k] = v;
    }
  }
  if (config.configFile) childEnv.STRATA_CONFIG = config.configFile;
  // The relaunched process ends itself when this launcher dies (SIGKILL cannot be forwarded).
  childEnv.STRATA_LAUNCHER_PID = String(Deno.pid);
  childEnv.STRATA_ENV_NAMES = Object.keys(childEnv).join(",");
  if (env.DENO_V8_FLAGS) childEnv.DENO_V8_FLAGS = env.DENO_V8_FLAGS;
  childEnv.DENO_NO_UPDATE_CHECK = "1";
  return childEnv;
}

/** How often a relaunched process checks that its launcher is still its parent. */
const LAUNCHER_POLL_MS = 200;

/**
 * In a relaunched process: calls `onGone` once when the launcher that started it is no longer its
 * parent (the launcher was SIGKILLed, so it could not pass a signal on). Without this the
 * permission-scoped server would keep running, detached, holding its port, its sessions and, in a
 * cluster, its notebook leases. No-op when the process was not relaunched.
 */
export function watchLauncher(
  env: Record<string, string | undefined>,
  onGone: () => void,
): void {
  const launcher = Number(env.STRATA_LAUNCHER_PID);
  if (!Number.isInteger(launcher) || launcher <= 0) return;
  const timer = setInterval(() => {
    if (Deno.ppid === launcher) return;
    clearInterval(timer);
    onGone();
  }, LAUNCHER_POLL_MS);
  Deno.unrefTimer(timer);
}

/** Waits for a relaunched child, passing SIGINT/SIGTERM on to it; resolves to its exit code. */
export async function waitForwardingSignals(child: Deno.ChildProcess): Promise<number> {
  const forward = (sig: Deno.Signal) => () => {
    try {
      child.kill(sig);
    } catch { /* already gone */ }
  };
  const onInt = forward("SIGINT");
  const onTerm = forward("SIGTERM");
  Deno.addSignalListener("SIGINT", onInt);
  Deno.addSignalListener("SIGTERM", onTerm);
  try {
    return (await child.status).code;
  } finally {
    Deno.removeSignalListener("SIGINT", onInt);
    Deno.removeSignalListener("SIGTERM", onTerm);
  }
}

/**
 * The process environment as an object. The permission-scoped server may read only some names,
 * so it reads those the launcher listed in STRATA_ENV_NAMES instead of enumerating everything.
 */
export function processEnv(): Record<string, string | undefined> {
  try {
    return Deno.env.toObject();
  } catch (err) {
    if (!(err instanceof Deno.errors.NotCapable)) throw err;
    const names = (Deno.env.get("STRATA_ENV_NAMES") ?? "").split(",").filter(Boolean);
    return Object.fromEntries(names.map((n) => [n, Deno.env.get(n)]));
  }
}

/**
 * The V8 tuning deno.json's `start` and `strata` tasks and the Dockerfile set in DENO_V8_FLAGS,
 * which a relaunch passes on (relaunchEnv). Start-up allocates a lot of short-lived garbage
 * (module records, zod schemas); a 16 MiB young generation from the start scavenges it instead of
 * promoting it (issue 20, measured: less start-up CPU, ≈4 MiB less idle RSS; docs/performance.md).
 */
export const V8_FLAGS = "--min-semi-space-size=16,--max-semi-space-size=16";

/**
 * Flags every relaunch uses; a bundle (.js) ignores any deno.json found in parent folders.
 * `--unstable-no-legacy-abort`: request.signal aborts only when the client goes away (what the
 * QoS wait and transforms listen for), not after every response; without it Deno 2.9 prints a
 * legacy-behaviour warning on the first request that reads the signal.
 */
function runFlags(mainPath: string): string[] {
  return [
    "--no-prompt",
    "--unstable-cron",
    "--unstable-no-legacy-abort",
    ...(mainPath.endsWith(".js") ? ["--no-config"] : []),
  ];
}
