import assert from "node:assert/strict";
import { parseCommandArgs, UsageError } from "./_args.ts";

const SPEC = {
  positionals: ["dir", "id"],
  options: { format: { type: "string", choices: ["text", "json"] }, force: { type: "boolean" } },
} as const;

Deno.test("cli args - positionals, options and where each positional sat", () => {
  const p = parseCommandArgs(["--force", "nb", "--format", "json", "c1"], SPEC);
  assert.deepEqual(p.positionals, ["nb", "c1"]);
  assert.deepEqual(p.positionalIndex, [1, 4]);
  assert.equal(p.values.format, "json");
  assert.equal(p.values.force, true);
});

Deno.test("cli args - every mistake is a UsageError naming it", () => {
  const cases: [string[], RegExp][] = [
    [["nb"], /missing <id>/],
    [["nb", "c1", "more"], /unexpected argument 'more'/],
    [["nb", "c1", "--format", "xml"], /--format must be one of text, json, got 'xml'/],
    [["nb", "c1", "--nope"], /Unknown option '--nope'/],
    [["nb", "c1", "--format"], /--format/],
    [["", "c1"], /<dir> must not be empty/],
  ];
  for (const [args, message] of cases) {
    assert.throws(
      () => parseCommandArgs(args, SPEC),
      (err) => err instanceof UsageError && message.test(err.message),
    );
  }
});
