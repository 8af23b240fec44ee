/** Argument parsing for CLI commands: node:util parseArgs, with every mistake as a UsageError. */
import { parseArgs } from "node:util";

/** Bad usage: the CLI prints the message and the command's usage, and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** One option of a command. */
export interface OptionSpec {
  type: "string" | "boolean";
  /** Allowed values of a string option (e.g. --format text|json). */
  choices?: readonly string[];
  /** One-letter alias (`-o` for --out). */
  short?: string;
}

/** What a command accepts. */
export interface ArgsSpec {
  /** Names of required positional arguments, in order. */
  positionals: readonly string[];
  options: Readonly<Record<string, OptionSpec>>;
}

/** Parsed arguments, plus where each positional sat in the raw list (the launcher rewrites paths). */
export interface ParsedArgs {
  positionals: string[];
  /** Index in the raw argument list of each positional. */
  positionalIndex: number[];
  /** Where each given option sat in the raw list; inline when written `--name=value`. */
  optionIndex: Record<string, { index: number; inline: boolean }>;
  values: Record<string, string | boolean | undefined>;
}

/** Parses `args` against `spec`; throws UsageError naming the first mistake. */
export function parseCommandArgs(args: string[], spec: ArgsSpec): ParsedArgs {
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {};
  for (const [name, o] of Object.entries(spec.options)) {
    options[name] = o.short ? { type: o.type, short: o.short } : { type: o.type };
  }
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true, tokens: true });
  } catch (err) {
    throw new UsageError(firstLine((err as Error).message));
  }
  const positionals = parsed.positionals;
  const positionalIndex = parsed.tokens.filter((t) => t.kind === "positional").map((t) => t.index);
  const optionIndex: ParsedArgs["optionIndex"] = {};
  for (const t of parsed.tokens) {
    if (t.kind === "option") optionIndex[t.name] = { index: t.index, inline: !!t.inlineValue };
  }
  if (positionals.length < spec.positionals.length) {
    throw new UsageError(`missing <${spec.positionals[positionals.length]}>`);
  }
  if (positionals.length > spec.positionals.length) {
    throw new UsageError(`unexpected argument '${positionals[spec.positionals.length]}'`);
  }
  for (const [i, name] of spec.positionals.entries()) {
    if (positionals[i] === "") throw new UsageError(`<${name}> must not be empty`);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  for (const [name, o] of Object.entries(spec.options)) {
    const v = values[name];
    if (o.choices && typeof v === "string" && !o.choices.includes(v)) {
      throw new UsageError(`--${name} must be one of ${o.choices.join(", ")}, got '${v}'`);
    }
  }
  return { positionals, positionalIndex, optionIndex, values };
}

function firstLine(message: string): string {
  return message.split("\n")[0].replace(/^TypeError(\s*\[[A-Z_]+\])?:\s*/, "");
}
