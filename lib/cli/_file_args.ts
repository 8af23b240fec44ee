/**
 * File arguments of a command (`-o report.html`, `strata import nb.ipynb <dir>`): made absolute
 * against the folder the user invoked the CLI from, rewritten in the argument list the scoped
 * process receives, and their folders granted to it.
 */
import { dirname } from "node:path";
import type { ParsedArgs } from "./_args.ts";
import { absoluteDir } from "./_context.ts";
import type { Command } from "./command.ts";

/** The arguments with each file argument absolute, and the folders to grant. */
export function resolveFileArgs(
  env: Record<string, string | undefined>,
  command: Command,
  parsed: ParsedArgs,
  commandArgs: readonly string[],
): { args: string[]; dirs: string[] } {
  const args = [...commandArgs];
  const dirs: string[] = [];
  for (const i of command.fileArgs?.positionals ?? []) {
    const given = parsed.positionals[i];
    if (given === undefined) continue;
    const abs = absoluteDir(env, given);
    parsed.positionals[i] = abs;
    args[parsed.positionalIndex[i]] = abs;
    dirs.push(dirname(abs));
  }
  for (const name of command.fileArgs?.options ?? []) {
    const given = parsed.values[name];
    const at = parsed.optionIndex[name];
    if (typeof given !== "string" || !at) continue;
    const abs = absoluteDir(env, given);
    parsed.values[name] = abs;
    if (at.inline) args[at.index] = `--${name}=${abs}`;
    else args[at.index + 1] = abs;
    dirs.push(dirname(abs));
  }
  return { args, dirs };
}
