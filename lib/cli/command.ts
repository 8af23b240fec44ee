/** The shape of a CLI command: its arguments, its usage line, and what it does in the scoped process. */
import type { ArgsSpec, ParsedArgs } from "./_args.ts";
import type { CommandContext } from "./_context.ts";

/** One `strata` command. */
export interface Command extends ArgsSpec {
  /** Words after `strata`: "run", "cell add", "jobs run". */
  name: string;
  /** One usage line, printed with every usage error. */
  usage: string;
  /** Shown by `strata help`. */
  summary: string;
  /**
   * Index of the positional naming a notebook folder: the launcher makes it absolute and
   * grants the scoped process read and write on it.
   */
  dirArg?: number;
  /**
   * Positionals (by index) and string options (by name) naming files the command reads or
   * writes: made absolute like `dirArg`, and the folder holding each is granted (a write goes
   * through a temp file beside its target).
   */
  fileArgs?: { positionals?: readonly number[]; options?: readonly string[] };
  /**
   * Programs the scoped process may run besides deno, when `when(args)` says so (e.g. `git` for
   * `plan --since`); nothing else gets them.
   */
  runs?: { programs: readonly string[]; when(args: ParsedArgs): boolean };
  /** Runs inside the permission-scoped process; resolves to the exit code. */
  run(args: ParsedArgs, ctx: CommandContext): Promise<number>;
}
