import assert from "node:assert/strict";
import { cleanStack, cleanText, permissionHint, plainText } from "./_messages.ts";

const ctx = {
  scratchDir: "/srv/data/.strata/tmp/child-ab12",
  notebookDir: "/srv/data/notebooks/t1/demo",
  position: (url: string, line: number, column: number) =>
    url.endsWith("/cell_1.ts") ? `cell c1:${line}:${column - 10}` : undefined,
};

Deno.test("messages - colour codes are removed", () => {
  assert.equal(plainText("\x1b[0m\x1b[1m\x1b[31merror\x1b[0m: boom"), "error: boom");
  assert.equal(plainText("\x1b[38;5;245mat\x1b[0m x"), "at x");
});

Deno.test("messages - scratch module positions become cell positions, paths disappear", () => {
  const text = cleanText(
    "Uncaught at file:///srv/data/.strata/tmp/child-ab12/cell_1.ts:1:77 reading " +
      "/srv/data/notebooks/t1/demo/data.csv and file:///srv/data/.strata/tmp/child-ab12/x.ts",
    ctx,
  );
  assert.equal(text, "Uncaught at cell c1:1:67 reading ./data.csv and x.ts");
  assert.doesNotMatch(text, /\/srv|\.strata|child-/);
});

Deno.test("messages - a permission error names the @allow line, not a Deno flag", () => {
  const read = permissionHint(
    'Requires read access to "/etc/hosts", run again with the --allow-read flag',
  );
  assert.match(read, /\/\/ @allow read=\/etc\/hosts/);
  assert.doesNotMatch(read, /--allow/);
  const net = permissionHint(
    'NotCapable: Requires net access to "example.com:443", run again with the --allow-net flag',
  );
  assert.match(net, /\/\/ @allow net=example\.com:443/);
  const inside = permissionHint(
    'Requires write access to "/nb/out/a.csv", run again with the --allow-write flag',
    "/nb",
  );
  assert.match(inside, /\/\/ @allow write=\.\/out\/a\.csv/);
});

Deno.test("messages - stacks lose harness and internal frames", () => {
  const stack = [
    "Error: x",
    "    at file:///srv/data/.strata/tmp/child-ab12/cell_1.ts:2:20",
    "    at evaluate (file:///app/lib/executor/_runner.ts:170:5)",
    "    at ext:core/01_core.js:12:3",
  ].join("\n");
  assert.equal(cleanStack(stack, ctx), "Error: x\n    at cell c1:2:10");
});
