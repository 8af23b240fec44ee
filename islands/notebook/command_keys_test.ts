import assert from "node:assert/strict";
import { KEY_HELP, readCommandKey } from "./command_keys.ts";

Deno.test("command keys - Jupyter single keys map to commands", () => {
  const table: [string, string][] = [
    ["a", "insertAbove"],
    ["b", "insertBelow"],
    ["j", "selectNext"],
    ["ArrowDown", "selectNext"],
    ["k", "selectPrevious"],
    ["ArrowUp", "selectPrevious"],
    ["m", "toMarkdown"],
    ["y", "toCode"],
    ["z", "undoDelete"],
    ["Enter", "edit"],
    ["?", "help"],
  ];
  for (const [key, command] of table) {
    assert.equal(readCommandKey({ key }, null).command, command, key);
  }
  assert.equal(readCommandKey({ key: "Enter", shiftKey: true }, null).command, "runAndNext");
  assert.equal(readCommandKey({ key: "Enter", ctrlKey: true }, null).command, "runInPlace");
  assert.equal(readCommandKey({ key: "Enter", metaKey: true }, null).command, "runInPlace");
});

Deno.test("command keys - delete needs d twice in a row", () => {
  const first = readCommandKey({ key: "d" }, null);
  assert.deepEqual(first, { command: null, pending: "d" });
  assert.equal(readCommandKey({ key: "d" }, first.pending).command, "delete");
  const broken = readCommandKey({ key: "j" }, "d");
  assert.equal(broken.pending, null);
  assert.equal(readCommandKey({ key: "d" }, broken.pending).command, null);
});

Deno.test("command keys - modified letters are left to the browser", () => {
  for (const k of ["a", "b", "d", "m", "z"]) {
    assert.equal(readCommandKey({ key: k, ctrlKey: true }, null).command, null, `Ctrl+${k}`);
    assert.equal(readCommandKey({ key: k, metaKey: true }, null).command, null, `Cmd+${k}`);
  }
  assert.equal(readCommandKey({ key: "x" }, null).command, null);
});

Deno.test("command keys - the help panel lists every command-mode key", () => {
  const listed = KEY_HELP.flatMap((m) => m.rows.flatMap((r) => r.keys));
  assert.ok(listed.length > 10);
  for (const k of ["a", "b", "d", "z", "j", "k", "m", "y", "?", "Enter", "Esc"]) {
    assert.ok(listed.includes(k), k);
  }
});
