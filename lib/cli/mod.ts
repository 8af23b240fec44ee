/** The `strata` command line: dispatches sub-commands. */

/** What the CLI needs from main.ts. */
export interface CliDeps {
  env: Record<string, string | undefined>;
  serve: (env: Record<string, string | undefined>, args: string[]) => Promise<number>;
}

const USAGE = `Usage: strata <command> [options]

Commands:
  serve                 start the server (personal mode by default, http://127.0.0.1:8765)
  help                  show this help
`;

/** Runs the CLI; resolves to the process exit code (0 ok, 1 failure, 2 bad usage). */
export async function runCli(args: string[], deps: CliDeps): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case "serve":
      return await deps.serve(deps.env, rest);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`strata: unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}
