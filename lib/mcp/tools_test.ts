import assert from "node:assert/strict";
import { COMMANDS } from "../commands/mod.ts";
import type { AnyCommand } from "../commands/mod.ts";
import { toolInputSchema, TOOLS } from "./tools.ts";

const dispatcher = { commands: new Map<string, AnyCommand>(Object.entries(COMMANDS)) };

Deno.test("tools - every tool names a command of the table and has a one-line description", () => {
  assert.equal(TOOLS.length, 13);
  assert.equal(new Set(TOOLS.map((t) => t.name)).size, TOOLS.length, "names are unique");
  for (const t of TOOLS) {
    assert.ok(dispatcher.commands.has(t.command), `${t.name} -> ${t.command}`);
    assert.ok(t.description.length > 10 && !t.description.includes("\n"), t.name);
    assert.ok(t.description.length <= 100, `${t.name}: one short line`);
  }
});

Deno.test("tools - argument schemas come from the command's input, plus the tool's extras", () => {
  const byName = new Map(TOOLS.map((t) => [t.name, toolInputSchema(t, dispatcher)]));
  const add = byName.get("add_cell")!;
  assert.equal(add.type, "object");
  assert.equal(add.$schema, undefined);
  assert.deepEqual(add.required!.sort(), ["sid", "source"]);
  assert.deepEqual((add.properties!.language as { enum: string[] }).enum, [
    "typescript",
    "markdown",
    "prompt",
  ]);
  const run = byName.get("run_cell")!;
  assert.deepEqual(run.required!.sort(), ["cellId", "sid"], "mode has a default: optional");
  assert.deepEqual((run.properties!.mode as { enum: string[] }).enum, ["normal", "rerun", "force"]);
  assert.ok(run.properties!.budget, "the tool's own budget argument");
  const out = byName.get("get_output")!;
  assert.deepEqual(out.required!.sort(), ["cellId", "sid"]);
  assert.equal((out.properties!.rowLimit as { maximum: number }).maximum, 10_000);
  const list = byName.get("list_notebooks")!;
  assert.deepEqual(list.properties, {});
  assert.equal(list.required, undefined);
});
