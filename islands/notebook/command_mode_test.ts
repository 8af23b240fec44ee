import assert from "node:assert/strict";
import type { CellView } from "../../lib/protocol/notebook_state.ts";
import { type CommandTarget, runCommand } from "./command_mode.ts";

function cell(id: string, language: CellView["language"] = "typescript"): CellView {
  return {
    id,
    name: null,
    language,
    file: `cells/${id}.ts`,
    source: "",
    status: "idle",
    staleReason: null,
    why: [],
    whyText: null,
    label: `[${id}]`,
    lazy: false,
    version: "v",
    defines: [],
    references: [],
    upstream: [],
    diagnostics: [],
    grants: { requested: [], refused: [], awaitingApproval: [], blocked: null },
    provenance: null,
    outputs: null,
  };
}

function target(selected: string | null, ids = ["c1", "c2", "c3"]) {
  const calls: string[] = [];
  const t: CommandTarget = {
    cells: ids.map((id) => cell(id)),
    selected,
    addCell: (after, language, into) => calls.push(`add ${after} ${language} ${into}`),
    focusCell: (id, into) => calls.push(`focus ${id} ${into}`),
    removeCell: (id) => calls.push(`remove ${id}`),
    undoDelete: () => calls.push("undo"),
    switchLanguage: (id, language) => calls.push(`switch ${id} ${language}`),
    runCell: (id) => calls.push(`run ${id}`),
    runNext: (id, into) => calls.push(`runNext ${id} ${into}`),
    toggleHelp: () => calls.push("help"),
  };
  return { t, calls };
}

Deno.test("command mode - insert above and below the selected cell", () => {
  const first = target("c1");
  runCommand("insertAbove", first.t);
  runCommand("insertBelow", first.t);
  assert.deepEqual(first.calls, ["add null typescript box", "add c1 typescript box"]);
  const middle = target("c2");
  runCommand("insertAbove", middle.t);
  assert.deepEqual(middle.calls, ["add c1 typescript box"]);
});

Deno.test("command mode - j/k move the selection and stop at the ends", () => {
  const { t, calls } = target("c2");
  runCommand("selectNext", t);
  runCommand("selectPrevious", t);
  assert.deepEqual(calls, ["focus c3 box", "focus c1 box"]);
  const last = target("c3");
  runCommand("selectNext", last.t);
  assert.deepEqual(last.calls, []);
  const none = target(null);
  runCommand("selectNext", none.t);
  runCommand("selectPrevious", none.t);
  assert.deepEqual(none.calls, ["focus c1 box", "focus c3 box"]);
});

Deno.test("command mode - cell commands act on the selected cell, and need one", () => {
  const { t, calls } = target("c2");
  for (const c of ["edit", "delete", "toMarkdown", "toCode", "runInPlace", "runAndNext"] as const) {
    runCommand(c, t);
  }
  assert.deepEqual(calls, [
    "focus c2 editor",
    "remove c2",
    "switch c2 markdown",
    "switch c2 typescript",
    "run c2",
    "runNext c2 box",
  ]);
  const gone = target("deleted-meanwhile");
  for (const c of ["edit", "delete", "toMarkdown", "runInPlace"] as const) runCommand(c, gone.t);
  assert.deepEqual(gone.calls, []);
  runCommand("undoDelete", gone.t);
  runCommand("help", gone.t);
  assert.deepEqual(gone.calls, ["undo", "help"]);
});
