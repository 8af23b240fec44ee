// Test helper: the `strata` CLI as a user runs it — the real main.ts under the task's
// permissions (no write, no net), so every command goes through the launcher's scoped re-run —
// in a throwaway folder with its own data and notebook roots.
const main = new URL("../main.ts", import.meta.url).pathname;

/** What a CLI run printed and how it exited. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The command that runs `strata <args>` with `dir`'s work folder as the current folder. */
export function strataCommand(
  dir: string,
  args: string[],
  options: { env?: Record<string, string>; stdin?: boolean; stdout?: "piped" | "null" } = {},
): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-env",
      "--allow-run",
      "--allow-sys=osRelease,uid",
      main,
      ...args,
    ],
    cwd: `${dir}/work`,
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? dir,
      STRATA_DATA_DIR: `${dir}/data`,
      STRATA_NOTEBOOK_STORAGE_DIR: `${dir}/notebooks`,
      NO_COLOR: "1",
      ...options.env,
    },
    clearEnv: true,
    stdin: options.stdin ? "piped" : "null",
    stdout: options.stdout ?? "piped",
    stderr: "piped",
  });
}

/** Runs `strata <args>` to the end; `stdin` is piped in when given. */
export async function runStrata(
  dir: string,
  args: string[],
  options: { env?: Record<string, string>; stdin?: string } = {},
): Promise<CliResult> {
  const child = strataCommand(dir, args, {
    env: options.env,
    stdin: options.stdin !== undefined,
  }).spawn();
  if (options.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(options.stdin));
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  // Deno's own note when another process holds the node_modules lock (tests run in parallel)
  // is not the CLI's output.
  const stderr = dec.decode(out.stderr).replace(
    /^Blocking waiting for file lock on node_modules directory\n/gm,
    "",
  );
  return { code: out.code, stdout: dec.decode(out.stdout), stderr };
}

/** A throwaway folder with a `work` subfolder for CLI runs. */
export async function cliDir(prefix: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix });
  await Deno.mkdir(`${dir}/work`);
  return dir;
}
