// Issue 14 items 1, 5 and 7 at the session: reactive runs, why-chains with cell names, local
// modules in provenance, and edits refused when based on an old version.
import assert from "node:assert/strict";
import { ConflictError } from "../errors.ts";
import { NotebookSession } from "./notebook_session.ts";
import { cellView, sessionFixture, shown } from "./_session_fixture.ts";

Deno.test("session - running an edited cell re-runs its stale dependents, without run-all", async () => {
  const { root, deps, scope, cleanup } = await sessionFixture();
  try {
    const s = await NotebookSession.open(root, scope, deps);
    const a = await s.addCell({ source: "// @name load\nconst x = 1" });
    const b = await s.addCell({ source: "const y = x + 1\ny" });
    const c = await s.addCell({ source: "const z = 3\nz" });
    const d = await s.addCell({ source: "y * 10" });
    await s.runAll();
    assert.equal(shown(s, d), "20");

    await s.editCell(a, "// @name load\nconst x = 5");
    assert.equal(cellView(s, b).status, "stale");
    assert.equal(
      cellView(s, d).whyText,
      "[4]: upstream result changed ← [2]: upstream result changed ← load: own source changed",
    );

    const run = await s.execute(a);
    assert.deepEqual(run.cells.map((r) => [r.cellId, r.cacheHit]), [
      [a, false],
      [b, false],
      [d, false],
    ], "a, then its stale dependents b and d; c (independent) is not part of the run");
    assert.equal(shown(s, b), "6");
    assert.equal(shown(s, d), "60");
    for (const id of [a, b, c, d]) assert.equal(cellView(s, id).status, "ready", id);

    // Running it again: nothing downstream is stale, so only a runs (a cache hit).
    const again = await s.execute(a);
    assert.deepEqual(again.cells.map((r) => [r.cellId, r.cacheHit]), [[a, true]]);
  } finally {
    await cleanup();
  }
});

Deno.test("session - @lazy dependents and on_change = lazy stay stale, with a why-chain that names the cell that ran", async () => {
  const { root, deps, scope, cleanup } = await sessionFixture();
  try {
    const s = await NotebookSession.open(root, scope, deps);
    const a = await s.addCell({ source: "const x = 1" });
    const b = await s.addCell({ source: "// @lazy\nconst y = x + 1\ny" });
    const c = await s.addCell({ source: "y * 10" });
    const d = await s.addCell({ source: "x * 100" });
    await s.runAll();
    assert.equal(cellView(s, b).lazy, true);

    await s.editCell(a, "const x = 2");
    const live: string[] = [];
    const off = s.events.subscribe((e) => {
      if (e.type !== "cell_states") return;
      for (const c of e.payload.cells) live.push(`${c.cellId}:${c.status}:${c.whyText}`);
    });
    const run = await s.execute(a);
    off();
    // As soon as a finished (not at the end of the run), b's why-chain names it as re-run.
    assert.ok(
      live.includes(`${b}:stale:[2]: upstream result changed ← [1]: ran with a new result`),
      live.join("\n"),
    );
    assert.deepEqual(
      run.cells.map((r) => r.cellId),
      [a, d],
      "the lazy cell and what needs it wait",
    );
    assert.equal(shown(s, d), "200");
    assert.equal(cellView(s, b).status, "stale");
    assert.equal(
      cellView(s, b).whyText,
      "[2]: upstream result changed ← [1]: ran with a new result",
    );
    assert.equal(cellView(s, c).status, "stale");
    assert.equal(shown(s, c), "20", "c still shows its old output");

    // Running the lazy cell itself runs it and its stale dependents.
    await s.execute(b);
    assert.equal(shown(s, c), "30");

    // [runtime] on_change = "lazy": running a cell only marks its dependents stale.
    const toml = await Deno.readTextFile(`${root}/notebook.toml`);
    await Deno.writeTextFile(`${root}/notebook.toml`, toml + '\n[runtime]\non_change = "lazy"\n');
    await s.reload();
    assert.equal(s.state().onChange, "lazy");
    await s.editCell(a, "const x = 3");
    const lazyRun = await s.execute(a);
    assert.deepEqual(lazyRun.cells.map((r) => r.cellId), [a]);
    assert.equal(cellView(s, d).status, "stale");
    assert.equal(shown(s, d), "200");
    assert.match(
      await Deno.readTextFile(`${root}/notebook.toml`),
      /on_change = "lazy"/,
      "the setting survives rewrites of notebook.toml",
    );
  } finally {
    await cleanup();
  }
});

Deno.test("session - a cell imports ./helper.ts from the notebook folder and goes stale when it (or what it imports) changes", async () => {
  const { root, deps, scope, cleanup } = await sessionFixture();
  try {
    await Deno.writeTextFile(
      `${root}/helper.ts`,
      'import { factor } from "./lib/util.ts";\nexport function f(x: number) { return x * factor; }\n',
    );
    await Deno.mkdir(`${root}/lib`);
    await Deno.writeTextFile(`${root}/lib/util.ts`, "export const factor = 2;\n");
    const s = await NotebookSession.open(root, scope, deps);
    const a = await s.addCell({ source: 'import { f } from "./helper.ts";\nf(21)' });
    const b = await s.addCell({ source: "const other = 1\nother" });
    let run = await s.runAll();
    assert.ok(run.ok, JSON.stringify(cellView(s, a).outputs?.error));
    assert.equal(shown(s, a), "42");
    assert.equal(cellView(s, a).status, "ready");

    await Deno.writeTextFile(`${root}/lib/util.ts`, "export const factor = 3;\n");
    await s.reload();
    assert.equal(cellView(s, a).status, "stale");
    assert.equal(cellView(s, a).staleReason, "module");
    assert.equal(cellView(s, a).whyText, "[1]: local module lib/util.ts changed");
    assert.equal(cellView(s, b).status, "ready", "a cell that imports nothing stays ready");

    run = await s.execute(a);
    assert.deepEqual(run.cells.map((r) => [r.cellId, r.cacheHit]), [[a, false]]);
    assert.equal(shown(s, a), "63");

    // Back to the old helper: the old result is a cache hit.
    await Deno.writeTextFile(`${root}/lib/util.ts`, "export const factor = 2;\n");
    run = await s.execute(a);
    assert.deepEqual(run.cells.map((r) => [r.cellId, r.cacheHit]), [[a, true]]);
    assert.equal(shown(s, a), "42");
  } finally {
    await cleanup();
  }
});

Deno.test("session - an edit based on an old version is refused with the current source; viewers count sockets", async () => {
  const { root, deps, scope, cleanup } = await sessionFixture();
  try {
    const s = await NotebookSession.open(root, scope, deps);
    const a = await s.addCell({ source: "const x = 1" });
    const v1 = cellView(s, a).version;
    await s.editCell(a, "const x = 2", v1); // tab 1 saves
    const err = await s.editCell(a, "const x = 3", v1).then(() => null, (e) => e); // tab 2, late
    assert.ok(err instanceof ConflictError, String(err));
    assert.match(err.message, /Cannot save cell \[1\]: it was changed by someone else/);
    assert.equal(err.details?.source, "const x = 2");
    assert.equal(err.details?.version, cellView(s, a).version);
    assert.equal(cellView(s, a).source, "const x = 2", "the refused edit changed nothing");
    await s.editCell(a, "const x = 3", String(err.details?.version)); // "Overwrite"
    assert.equal(cellView(s, a).source, "const x = 3");
    await s.editCell(a, "const x = 3", v1); // the text it already has: nothing is lost, no conflict
    await s.editCell(a, "const x = 4"); // no base version: last write wins, as before

    assert.equal(s.state().viewers, 0);
    const seen: number[] = [];
    const off1 = s.events.subscribe((e) => e.type === "presence" && seen.push(e.payload.viewers));
    const off2 = s.events.subscribe(() => {});
    assert.equal(s.state().viewers, 2);
    off2();
    assert.deepEqual(seen, [1, 2, 1]);
    off1();
  } finally {
    await cleanup();
  }
});
