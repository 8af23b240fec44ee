import assert from "node:assert/strict";
import { NotebookSession } from "./notebook_session.ts";
import { describeWhy } from "../notebook/staleness.ts";
import { sessionFixture as setup, shown as text } from "./_session_fixture.ts";

Deno.test("session - cascade, cache hits, staleness after an edit, and results surviving a reopen", async () => {
  const { root, deps, scope, cleanup } = await setup();
  try {
    const s = await NotebookSession.open(root, scope, deps);
    const a = await s.addCell({ source: "const x = 1" });
    const b = await s.addCell({ source: "const y = x + 1" });
    const c = await s.addCell({ source: "y * 10" });

    let run = await s.execute(c);
    assert.deepEqual(run.cells.map((r) => [r.cellId, r.status, r.cacheHit]), [
      [a, "ready", false],
      [b, "ready", false],
      [c, "ready", false],
    ]);
    assert.equal(text(s, c), "20");

    run = await s.execute(c);
    assert.ok(run.cells.every((r) => r.cacheHit), "second run is all cache hits");

    await s.editCell(a, "const x = 5");
    const states = Object.fromEntries(s.state().cells.map((cell) => [cell.id, cell]));
    assert.equal(states[a].status, "stale");
    assert.equal(states[a].staleReason, "self");
    assert.equal(states[b].status, "stale");
    assert.equal(states[c].status, "stale");
    assert.deepEqual(states[c].why.map((w) => w.cellId), [c, b, a]);

    await s.execute(c);
    assert.equal(text(s, c), "60");
    const before = await Deno.readTextFile(`${root}/notebook.toml`);

    // A new session on the same folder and stores: everything is a cache hit, outputs restored.
    const s2 = await NotebookSession.open(root, scope, deps);
    assert.equal(text(s2, c), "60", "outputs are restored on open");
    run = await s2.runAll();
    assert.ok(run.cells.every((r) => r.cacheHit));
    assert.equal(
      await Deno.readTextFile(`${root}/notebook.toml`),
      before,
      "runs never rewrite notebook.toml",
    );
  } finally {
    await cleanup();
  }
});

Deno.test("session - a deleted blob makes the next run recompute instead of failing", async () => {
  const { dir, root, deps, scope, cleanup } = await setup();
  try {
    const s = await NotebookSession.open(root, scope, deps);
    await s.addCell({ source: "const big = [1, 2, 3]" });
    const c = await s.addCell({ source: "big.length" });
    await s.runAll();
    for await (const e of Deno.readDir(`${dir}/artifacts/t0`)) {
      await Deno.remove(`${dir}/artifacts/t0/${e.name}`, { recursive: true });
    }
    const run = await s.runAll();
    assert.ok(run.cells.every((r) => !r.cacheHit && r.status === "ready"));
    assert.equal(text(s, c), "3");
  } finally {
    await cleanup();
  }
});

Deno.test("session - a failed cell blocks its dependents only", async () => {
  const { root, deps, scope, cleanup } = await setup();
  try {
    const s = await NotebookSession.open(root, scope, deps);
    const a = await s.addCell({ source: "const x = 1\nthrow new Error('boom')" });
    const b = await s.addCell({ source: "x + 1" });
    const c = await s.addCell({ source: "'independent'" });
    const run = await s.runAll();
    const by = Object.fromEntries(run.cells.map((r) => [r.cellId, r.status]));
    assert.equal(by[a], "error");
    assert.equal(by[b], "error");
    assert.equal(by[c], "ready");
    const cell = s.state().cells.find((x) => x.id === b)!;
    assert.match(cell.outputs!.error!.message, /upstream cell .* failed/);
    const errA = s.state().cells.find((x) => x.id === a)!.outputs!.error!;
    assert.equal(errA.line, 2);
  } finally {
    await cleanup();
  }
});

Deno.test("session - functions and objects with methods survive a cached upstream", async () => {
  const { root, deps, scope, cleanup } = await setup();
  try {
    const s = await NotebookSession.open(root, scope, deps);
    await s.addCell({
      source: "function double(x: number) { return x * 2 }\n" +
        "class Box { constructor(public v: number) {}\n  get twice() { return this.v * 2 } }\n" +
        "const box = new Box(5)\nconst counter = { n: 1, inc() { return this.n + 1 } }",
    });
    const c = await s.addCell({
      source: "double(10) + box.twice + counter.inc() + (box instanceof Box ? 0 : 1000)",
    });
    await s.runAll();
    const err = s.state().cells.map((x) => x.outputs?.error?.message).filter(Boolean);
    assert.deepEqual(err, []);
    assert.equal(text(s, c), "32");
    // Change only the consumer: the producer is now a cache hit, its values come from the cache.
    await s.editCell(c, "double(11) + box.twice + counter.inc() + (box instanceof Box ? 0 : 1000)");
    const run = await s.execute(c);
    assert.equal(run.cells[0].cacheHit, true, "the producer is a cache hit");
    assert.equal(text(s, c), "34");
  } finally {
    await cleanup();
  }
});

Deno.test("session - run-all dispatches bulk work, a cell run interactive work (issue 20)", async () => {
  const { root, deps, scope, cleanup } = await setup();
  // An executor that routes by scope the way the NATS one does (`forScope`), recording the class
  // each batch was dispatched with before running it on the real local executor.
  const real = deps.runtime.deps.executor;
  const classes: string[] = [];
  const routed = Object.assign(Object.create(real), {
    forScope(s: { workClass?: string }) {
      return Object.assign(Object.create(real), {
        runBatch: (...args: Parameters<typeof real.runBatch>) => {
          classes.push(s.workClass ?? "interactive (default)");
          return real.runBatch(...args);
        },
      });
    },
  });
  deps.runtime.deps.executor = routed;
  try {
    const s = await NotebookSession.open(root, scope, deps);
    const a = await s.addCell({ source: "const x = 1" });
    await s.addCell({ source: "x + 1" });
    assert.ok((await s.runAll()).ok);
    assert.deepEqual(classes, ["bulk"], "notebook.run_all is bulk work");
    classes.length = 0;
    await s.editCell(a, "const x = 2");
    assert.ok((await s.execute(a)).ok);
    assert.deepEqual(classes, ["interactive"], "running a cell is interactive work");
  } finally {
    deps.runtime.deps.executor = real;
    await cleanup();
  }
});

Deno.test("session - during a run, cell_states keeps a client's statuses and why-chains equal to the session's (issue 20)", async () => {
  const { root, deps, scope, cleanup } = await setup();
  try {
    const s = await NotebookSession.open(root, scope, deps);
    const a = await s.addCell({ source: "const x = 1" });
    await s.addCell({ source: "const y = x + 1" });
    const c = await s.addCell({ source: "const q = 5" });
    await s.addCell({ source: "const r = q + 1" });
    // Another permission set, so another child and batch: not running while those before it end.
    await s.addCell({ source: "// @allow env=HOME\nx + q" });
    const w = await s.addCell({ source: "const w = 3" });
    const client = new Map<string, string>();
    const executed: string[] = [];
    const mismatches: string[] = [];
    s.events.subscribe((e) => {
      if (e.type === "notebook_state") {
        client.clear();
        for (const cell of e.payload.cells) client.set(cell.id, `${cell.status} ${cell.whyText}`);
      }
      if (e.type === "cell_states") {
        for (const v of e.payload.cells) client.set(v.cellId, `${v.status} ${v.whyText}`);
      }
      if (e.type === "cell_status" && e.payload.status !== "running" && !e.payload.cacheHit) {
        executed.push(e.payload.cellId);
      }
      if (e.type === "cascade_progress" && "cellId" in e.payload) {
        const o = e.payload.cellId;
        if (!executed.includes(o)) return; // a cache hit: the run's final state covers it
        const label = (id: string) => s.model.byId.get(id)?.label ?? id;
        for (const [id, st] of s.model.states) {
          const session = `${st.status} ${st.why.length ? describeWhy(st.why, label) : null}`;
          if (client.get(id) !== session) {
            mismatches.push(`after ${o}: ${id} client ${client.get(id)}, session ${session}`);
          }
        }
      }
    });
    s.events.emit("notebook_state", s.state()); // what a client gets on connecting
    assert.ok((await s.runAll()).ok);
    await s.editCell(c, "const q = 6");
    assert.ok((await s.runAll()).ok);
    await s.editCell(a, "const x = 2");
    assert.ok((await s.runAll()).ok);
    // Back to a cached source (hits that turn stale cells ready), then one cell executed.
    await s.editCell(c, "const q = 5");
    await s.editCell(w, "const w = 4");
    assert.ok((await s.runAll()).ok);
    assert.equal(executed.length, 6 + 3 + 3 + 2, "every cell, then the edited ones and dependents");
    assert.deepEqual(mismatches, []);
  } finally {
    await cleanup();
  }
});

Deno.test("session - a run's cache hits go out as one event, before the next cell runs (issue 20)", async () => {
  const { root, deps, scope, cleanup } = await setup();
  try {
    const s = await NotebookSession.open(root, scope, deps);
    const a = await s.addCell({ source: "const x = 1" });
    const b = await s.addCell({ source: "const y = x + 1" });
    const c = await s.addCell({ source: "y * 10" });
    await s.runAll();
    const seen: string[] = [];
    let hits: string[] = [];
    const off = s.events.subscribe((e) => {
      if (e.type === "cache_hits") {
        hits = e.payload.cells.map((h) => h.cellId);
        seen.push(`cache_hits ${e.payload.done}/${e.payload.total}`);
        assert.deepEqual(e.payload.cells.map((h) => h.outputs.cacheHit), hits.map(() => true));
      } else if (!["notebook_state", "cell_states", "presence"].includes(e.type)) {
        const p = e.payload as { cellId?: string; status?: string };
        seen.push(`${e.type} ${p.cellId ?? ""} ${p.status ?? ""}`.trim());
      }
    });
    // All hits: one event for the three cells, nothing per cell.
    await s.runAll();
    assert.deepEqual(hits, [a, b, c]);
    assert.deepEqual(seen.filter((x) => !x.startsWith("cascade_progress")), ["cache_hits 3/3"]);
    // A hit, then a cell that runs: the hits are sent before it starts.
    seen.length = 0;
    await s.editCell(c, "y * 100");
    await s.runAll();
    off();
    assert.deepEqual(hits, [a, b]);
    const at = seen.indexOf("cache_hits 2/3");
    assert.ok(at >= 0 && at < seen.indexOf(`cell_status ${c} running`), seen.join("\n"));
    assert.equal(text(s, c), "200");
  } finally {
    await cleanup();
  }
});

Deno.test("session - a run appends its records (runtime.json not replaced) and a reopen sees them; a run that prints nothing leaves no console file", async () => {
  const { root, deps, scope, cleanup } = await setup();
  try {
    const s = await NotebookSession.open(root, scope, deps);
    const a = await s.addCell({ source: 'console.log("hi")\nconst x = 1' });
    const b = await s.addCell({ source: "x + 1" });
    await s.runAll();
    const file = await Deno.readTextFile(`${root}/.strata/runtime.json`);
    const console = `${root}/.strata/console/${a}.json`;
    assert.deepEqual(
      JSON.parse(await Deno.readTextFile(console)).console.map((e: { text: string }) => e.text),
      ["hi\n"],
    );
    await assert.rejects(Deno.stat(`${root}/.strata/console/${b}.json`), Deno.errors.NotFound);

    await s.editCell(a, "const x = 2");
    await s.execute(b);
    assert.equal(
      await Deno.readTextFile(`${root}/.strata/runtime.json`),
      file,
      "appended, not replaced",
    );
    await assert.rejects(Deno.stat(console), Deno.errors.NotFound, "the older run's log is gone");

    // Another session on the folder (as after a restart): both runs are there, outputs restored.
    const s2 = await NotebookSession.open(root, scope, deps);
    const states = Object.fromEntries(s2.state().cells.map((c) => [c.id, c.status]));
    assert.deepEqual(states, { [a]: "ready", [b]: "ready" });
    assert.equal(text(s2, b), "3");
  } finally {
    await cleanup();
  }
});
