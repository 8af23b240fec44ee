import assert from "node:assert/strict";
import { parseCommandArgs } from "./_args.ts";
import { resolveFileArgs } from "./_file_args.ts";
import type { Command } from "./command.ts";

const COMMAND: Command = {
  name: "export",
  usage: "",
  summary: "",
  positionals: ["file", "dir"],
  options: { out: { type: "string", short: "o" }, format: { type: "string" } },
  fileArgs: { positionals: [0], options: ["out"] },
  run: () => Promise.resolve(0),
};

Deno.test("cli file args - -o, --out= and positional files become absolute and grant their folders", () => {
  const env = { INIT_CWD: "/home/ada/work" };
  for (
    const [raw, outAt] of [
      [["a.ipynb", "nb", "-o", "out/r.html", "--format", "html"], 3],
      [["--out=out/r.html", "a.ipynb", "nb"], 0],
    ] as const
  ) {
    const parsed = parseCommandArgs([...raw], COMMAND);
    const { args, dirs } = resolveFileArgs(env, COMMAND, parsed, raw);
    assert.equal(parsed.values.out, "/home/ada/work/out/r.html");
    assert.equal(parsed.positionals[0], "/home/ada/work/a.ipynb");
    assert.equal(parsed.positionals[1], "nb"); // not a file argument: untouched
    assert.ok(args[outAt].endsWith("/home/ada/work/out/r.html"), args.join(" "));
    assert.ok(args.includes("/home/ada/work/a.ipynb"));
    assert.deepEqual(dirs.sort(), ["/home/ada/work", "/home/ada/work/out"]);
  }
});
