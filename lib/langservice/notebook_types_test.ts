import assert from "node:assert/strict";
import { loadAnalyzer } from "../notebook/analyzer.ts";
import type { Logger } from "../log.ts";
import { sharedLibsLoaded } from "./_libs.ts";
import { NotebookTypes, type NotebookTypesOptions } from "./notebook_types.ts";
import {
  configureTypeThread,
  stopTypeThread,
  typeThreadCompiler,
  typeThreadKind,
} from "./type_thread.ts";

const analyzer = await loadAnalyzer();
const model = (...sources: string[]) =>
  sources.map((source, i) => ({
    cell: { id: `c${i}`, language: "typescript" as const, source },
    analysis: analyzer.analyze(source),
  }));

function typesWithSignal(
  background: boolean,
  more: Partial<Omit<NotebookTypesOptions, "background" | "onChange">> = {},
) {
  let signal: () => void = () => {};
  let changes = 0;
  const types = new NotebookTypes({
    ...more,
    background,
    onChange: () => {
      changes++;
      signal();
    },
  });
  // The checker's timers are unref'd (they never keep a process alive): hold the loop open here.
  const changed = () =>
    new Promise<void>((ok) => {
      const alive = setInterval(() => {}, 1000);
      signal = () => {
        clearInterval(alive);
        ok();
      };
    });
  return { types, changed, count: () => changes };
}

Deno.test("notebook types - opening a notebook (to read or run it) builds nothing and checks nothing", async () => {
  const { types, count } = typesWithSignal(true);
  // Opening (the first update) and a run finishing (same sources) load no compiler and check
  // nothing: a notebook opened to read or run pays nothing for types.
  types.update(model("const a = 1;", 'const n: number = "x";'));
  types.update(model("const a = 1;", 'const n: number = "x";'));
  await new Promise((ok) => setTimeout(ok, 300));
  assert.ok(!types.active, "not built on open");
  assert.equal(count(), 0);
  assert.deepEqual(types.diagnostics("c1", 'const n: number = "x";'), []);
  types.dispose();
});

Deno.test("notebook types - background check reports warnings for the current source only", async () => {
  const { types, changed, count } = typesWithSignal(true);
  types.update(model("const a = 1;")); // opened
  const first = changed();
  types.update(model('const a = "s";', "const n: number = a;")); // edited, a cell added
  await first;
  assert.equal(count(), 1);
  const warnings = types.diagnostics("c1", "const n: number = a;");
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0].source, "types");
  assert.match(warnings[0].message, /'string' is not assignable to type 'number'/);
  assert.deepEqual(types.diagnostics("c0", 'const a = "s";'), []);
  assert.deepEqual(types.diagnostics("c1", "const n = 2;"), [], "another source: no stale lines");

  // Fixing the upstream cell's type clears the downstream cell's warning (its source unchanged).
  const second = changed();
  types.update(model("const a = 1;", "const n: number = a;"));
  await second;
  assert.equal(count(), 2);
  assert.deepEqual(types.diagnostics("c1", "const n: number = a;"), []);
  types.dispose();
});

Deno.test("notebook types - a check that finds nothing new reports no change", async () => {
  const { types, changed, count } = typesWithSignal(true, { checkDelayMs: 0 });
  try {
    types.update(model("const a = 1;")); // opened
    const first = changed();
    types.update(model("const a = 1;", 'const n: number = "x";'));
    await first;
    // An edit that fixes the cell: its new source had no warnings shown and gets none, so no
    // notebook_state is sent for the check (the edit itself sent one).
    types.update(model("const a = 1;", "const n: number = 2;"));
    await new Promise((ok) => setTimeout(ok, 20)); // the check is sent ...
    await types.hover("c1", "const n: number = 2;", 6); // ... and answered before this
    assert.equal(count(), 1);
    assert.deepEqual(types.diagnostics("c1", "const n: number = 2;"), []);
  } finally {
    types.dispose();
  }
});

Deno.test("notebook types - type checking runs in the type Worker, not on the server's thread", async () => {
  const { types, changed } = typesWithSignal(true);
  types.update(model("const a = 1;")); // opened
  const first = changed();
  types.update(model("const a = 1;", 'const n: number = "x";'));
  await first;
  assert.equal(types.diagnostics("c1", 'const n: number = "x";').length, 1);
  assert.equal(typeThreadKind(), "worker");
  assert.equal(sharedLibsLoaded(), false, "no declarations parsed, no checker on this thread");
  types.dispose();
});

Deno.test("notebook types - a type Worker that dies is restarted on next use; its warnings stay", async () => {
  const warned: string[] = [];
  const log = { warn: (msg: string) => warned.push(msg) } as unknown as Logger;
  const { types, changed } = typesWithSignal(true, { log });
  try {
    types.update(model("const sales = [1];")); // opened
    const checked = changed();
    types.update(model("const sales = [1];", 'const n: number = "x";'));
    await checked;
    assert.ok(types.active);
    await stopTypeThread(); // as a crash would: every service in it is gone
    assert.ok(!types.active);
    assert.deepEqual(warned, ["type checking restarts"]);
    assert.equal(types.diagnostics("c1", 'const n: number = "x";').length, 1, "warnings kept");
    const r = await types.complete("c1", "sales.", 6);
    assert.ok(r.items.some((i) => i.label === "map"), "a new Worker answers");
    assert.ok(types.active);
  } finally {
    types.dispose();
  }
});

Deno.test("notebook types - without background checking the service is built on first request", async () => {
  const { types } = typesWithSignal(false);
  types.update(model("const sales = [{ amount: 1 }];", ""));
  types.update(model("const sales = [{ amount: 1 }];", "", "1")); // an edit: still not built
  await new Promise((ok) => setTimeout(ok, 300));
  assert.ok(!types.active);
  assert.deepEqual(types.diagnostics("c1", ""), []);
  const r = await types.complete("c1", "sales.", 6);
  assert.ok(r.items.some((i) => i.label === "filter"));
  assert.equal(
    (await types.hover("c1", "sales", 1)).text,
    "const sales: {\n    amount: number;\n}[]",
  );
  assert.deepEqual(await types.definition("c1", "sales", 1), { cellId: "c0", line: 1, column: 7 });
  assert.deepEqual(types.diagnostics("c1", ""), [], "nothing to report: no warnings");
  types.dispose();
  assert.deepEqual((await types.complete("c1", "sales.", 6)).items, [], "disposed: no answers");
});

Deno.test("notebook types - an idle service is freed, keeps its warnings, and comes back on use", async () => {
  let now = 1_000;
  let signal: () => void = () => {};
  const types = new NotebookTypes({
    background: true,
    idleMs: 60_000,
    now: () => now,
    onChange: () => signal(),
  });
  const alive = setInterval(() => {}, 1000);
  try {
    const checked = new Promise<void>((ok) => signal = ok);
    types.update(model("const sales = [1];")); // opened
    types.update(model("const sales = [1];", 'const n: number = "x";')); // edited
    await checked;
    assert.ok(types.active);
    now += 59_000;
    assert.equal(types.releaseIfIdle(), false, "used a minute ago");
    now += 2_000;
    assert.equal(types.releaseIfIdle(), true);
    assert.ok(!types.active);
    assert.equal(types.diagnostics("c1", 'const n: number = "x";').length, 1, "warnings kept");
    // A rebuild that changed nothing (a run finished) does not build it again ...
    types.update(model("const sales = [1];", 'const n: number = "x";'));
    assert.ok(!types.active);
    // ... a request does.
    const r = await types.complete("c1", "sales.", 6);
    assert.ok(r.items.some((i) => i.label === "map"));
    assert.ok(types.active);
  } finally {
    clearInterval(alive);
    types.dispose();
  }
});

Deno.test("notebook types - a request on a just-opened notebook builds the service and checks it", async () => {
  const { types, changed } = typesWithSignal(true);
  types.update(model("const sales = [{ amount: 1 }];", 'const n: number = "x";', ""));
  assert.ok(!types.active);
  const checked = changed();
  const r = await types.hover("c2", "sales", 1);
  assert.equal(r.text, "const sales: {\n    amount: number;\n}[]");
  assert.ok(types.active);
  await checked;
  assert.equal(types.diagnostics("c1", 'const n: number = "x";').length, 1);
  types.dispose();
});

Deno.test("notebook types - a burst of edits is checked once, after it stops", async () => {
  let checks = 0;
  let signal: () => void = () => {};
  const types = new NotebookTypes({
    background: true,
    checkDelayMs: 150,
    onChange: () => {
      checks++;
      signal();
    },
  });
  const alive = setInterval(() => {}, 1000);
  try {
    types.update(model()); // opened, empty
    // Build the service first (the first build checks at once).
    let done = new Promise<void>((ok) => signal = ok);
    types.update(model('const a: number = "0";'));
    await done;
    assert.equal(checks, 1);
    done = new Promise<void>((ok) => signal = ok);
    const sources = ["const a = 0;"];
    for (let i = 1; i <= 10; i++) {
      sources.push(`const b${i}: string = ${i};`);
      types.update(model(...sources));
      await new Promise((ok) => setTimeout(ok, 10));
    }
    await done;
    await new Promise((ok) => setTimeout(ok, 300));
    assert.equal(checks, 2, "one check for the ten edits");
    for (let i = 1; i <= 10; i++) {
      assert.equal(types.diagnostics(`c${i}`, sources[i]).length, 1, `cell ${i} checked`);
    }
  } finally {
    clearInterval(alive);
    types.dispose();
  }
});

Deno.test("notebook types - with type_check_thread = main the same checks run on this thread", async () => {
  await stopTypeThread();
  configureTypeThread({ worker: false });
  const { types, changed } = typesWithSignal(true);
  try {
    types.update(model("const sales = [{ amount: 1 }];")); // opened
    const first = changed();
    types.update(model("const sales = [{ amount: 1 }];", 'const n: number = "x";'));
    await first;
    assert.equal(typeThreadKind(), "in-process");
    assert.equal(sharedLibsLoaded(), true, "the declarations were parsed on this thread");
    assert.equal(types.diagnostics("c1", 'const n: number = "x";').length, 1);
    const r = await types.complete("c1", "sales[0].am", 11);
    assert.deepEqual(r.items.map((i) => i.label), ["amount"]);
  } finally {
    types.dispose();
    configureTypeThread({ worker: true });
    await stopTypeThread();
  }
});

Deno.test("notebook types - an unused type Worker stops; the next request or service starts another", async () => {
  await stopTypeThread();
  configureTypeThread({ worker: true, idleMs: 200 });
  try {
    assert.equal((await typeThreadCompiler()).loaded, false, "a request starts a Worker");
    assert.equal(typeThreadKind(), "worker");
    const { types, changed } = typesWithSignal(true);
    types.update(model("const x = 1;")); // opened
    const checked = changed();
    types.update(model("const x = 1;", 'const n: number = "x";'));
    await checked;
    await new Promise((ok) => setTimeout(ok, 500));
    assert.equal(typeThreadKind(), "worker", "a notebook with a service keeps it");
    types.dispose();
    await new Promise((ok) => setTimeout(ok, 500));
    assert.equal(typeThreadKind(), "none", "stopped once unused");
    assert.equal((await typeThreadCompiler()).loaded, false, "a new Worker, nothing loaded");
    assert.equal(typeThreadKind(), "worker");
  } finally {
    configureTypeThread({ worker: true });
    await stopTypeThread();
  }
});

Deno.test("notebook types - completions bring their source's analysis: the type Worker loads no parser of its own", async () => {
  await stopTypeThread();
  configureTypeThread({ worker: true });
  const brought: string[] = [];
  const { types } = typesWithSignal(true, {
    analyze: (source) => {
      brought.push(source);
      return Promise.resolve(analyzer.analyze(source));
    },
  });
  try {
    types.update(model("const sales = [1, 2];", "sales"));
    const done = await types.complete("c1", "sales.fi", 8);
    assert.ok(done.items.some((i) => i.label === "filter"), "completions answered");
    assert.deepEqual(brought, ["sales.fi"]);
    const info = await typeThreadCompiler();
    assert.deepEqual([info.loaded, info.parser], [true, false], "compiler yes, parser no");
    // Without analyses brought, the Worker analyzes the source itself (the parser loads there).
    types.dispose();
    await stopTypeThread();
    const plain = typesWithSignal(true).types;
    plain.update(model("const sales = [1, 2];", "sales"));
    assert.ok((await plain.complete("c1", "sales.fi", 8)).items.some((i) => i.label === "filter"));
    assert.equal((await typeThreadCompiler()).parser, true);
    plain.dispose();
  } finally {
    types.dispose();
    await stopTypeThread();
  }
});
