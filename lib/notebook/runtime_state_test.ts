import assert from "node:assert/strict";
import {
  appendRuntimeRuns,
  type CellRunRecord,
  JOURNAL_MAX_LINES,
  readRuntimeState,
  runtimeJournalPath,
  type RuntimeState,
  runtimeStatePath,
  writeRuntimeState,
} from "./runtime_state.ts";

const STATE: RuntimeState = {
  version: 1,
  cells: {
    c1: { provenance: "p1", status: "ready", sourceHash: "s1", envHash: "e1", upstream: {} },
    c2: {
      provenance: "p2",
      status: "error",
      sourceHash: "s2",
      envHash: "e2",
      upstream: { v: "p1" },
      error: "boom",
    },
  },
  widgets: { c1: { n: 3 } },
};

Deno.test("writeRuntimeState - round-trips, git-ignores .strata, and survives .strata being deleted", async () => {
  const root = await Deno.makeTempDir();
  try {
    await writeRuntimeState(root, STATE);
    assert.deepEqual((await readRuntimeState(root)).state, STATE);
    assert.equal(await Deno.readTextFile(`${root}/.strata/.gitignore`), "*\n");
    // Deleted by hand between runs: the next write brings both files back.
    await Deno.remove(`${root}/.strata`, { recursive: true });
    await writeRuntimeState(root, { ...STATE, cells: {} });
    assert.deepEqual((await readRuntimeState(root)).state, { ...STATE, cells: {} });
    assert.equal(await Deno.readTextFile(`${root}/.strata/.gitignore`), "*\n");
    // Only the .gitignore removed: restored too.
    await Deno.remove(`${root}/.strata/.gitignore`);
    await writeRuntimeState(root, STATE);
    assert.equal(await Deno.readTextFile(`${root}/.strata/.gitignore`), "*\n");
    // No temp files left beside it, and one (empty) journal: the one runtime.json names.
    const names = [...Deno.readDirSync(`${root}/.strata`)].map((e) => e.name).sort();
    assert.equal(names.length, 3, names.join(", "));
    assert.deepEqual([names[0], names[2]], [".gitignore", "runtime.json"]);
    assert.match(names[1], /^runtime-[0-9a-f]{16}\.journal$/);
    assert.equal(await Deno.readTextFile(`${root}/.strata/${names[1]}`), "");
    assert.ok(runtimeStatePath(root).endsWith("/.strata/runtime.json"));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

function run(provenance: string): CellRunRecord {
  return { provenance, status: "ready", sourceHash: "s", envHash: "e", upstream: {} };
}

function journals(root: string): string[] {
  return [...Deno.readDirSync(`${root}/.strata`)].map((e) => e.name)
    .filter((n) => n.endsWith(".journal")).sort();
}

Deno.test("appendRuntimeRuns - a run's records are appended, runtime.json is not rewritten, a reader sees them", async () => {
  const root = await Deno.makeTempDir();
  try {
    const state = structuredClone(STATE);
    let journal = await writeRuntimeState(root, state);
    const file = await Deno.readTextFile(runtimeStatePath(root));
    state.cells.c1 = run("p1b");
    journal = await appendRuntimeRuns(root, state, { c1: state.cells.c1 }, journal);
    state.cells.c3 = run("p3");
    journal = await appendRuntimeRuns(root, state, { c3: state.cells.c3 }, journal);
    assert.equal(journal.lines, 2);
    assert.equal(await Deno.readTextFile(runtimeStatePath(root)), file, "runtime.json untouched");
    const read = await readRuntimeState(root);
    assert.deepEqual(read.state, state);
    assert.deepEqual(read.journal, journal);
    assert.equal(journals(root).length, 1);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("readRuntimeState - a journal line cut short by a crash is ignored, and nothing is appended after it", async () => {
  const root = await Deno.makeTempDir();
  try {
    const state = structuredClone(STATE);
    let journal = await writeRuntimeState(root, state);
    state.cells.c1 = run("kept");
    journal = await appendRuntimeRuns(root, state, { c1: state.cells.c1 }, journal);
    await Deno.writeTextFile(runtimeJournalPath(root, journal.id), '{"cells":{"c2":{"prov', {
      append: true,
    });
    const read = await readRuntimeState(root);
    assert.equal(read.error, undefined);
    assert.equal(read.state.cells.c1.provenance, "kept");
    assert.equal(read.state.cells.c2.provenance, "p2", "the torn record is not applied");
    assert.equal(read.journal, undefined, "no journal to append to: the next write is in full");
    // The next record writes everything (a new journal); the torn one is gone.
    read.state.cells.c2 = run("after");
    const next = await appendRuntimeRuns(
      root,
      read.state,
      { c2: read.state.cells.c2 },
      read.journal,
    );
    assert.notEqual(next.id, journal.id);
    assert.deepEqual(journals(root), [`runtime-${next.id}.journal`]);
    const again = await readRuntimeState(root);
    assert.equal(again.state.cells.c1.provenance, "kept");
    assert.equal(again.state.cells.c2.provenance, "after");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("appendRuntimeRuns - a deleted .strata or a long journal: the whole state is written, nothing lost", async () => {
  const root = await Deno.makeTempDir();
  try {
    const state = structuredClone(STATE);
    let journal = await writeRuntimeState(root, state);
    await Deno.remove(`${root}/.strata`, { recursive: true });
    state.cells.c1 = run("after-delete");
    journal = await appendRuntimeRuns(root, state, { c1: state.cells.c1 }, journal);
    assert.deepEqual((await readRuntimeState(root)).state, state);
    assert.equal(await Deno.readTextFile(`${root}/.strata/.gitignore`), "*\n");
    // A full journal is folded into runtime.json by the next record.
    for (let i = 0; i <= JOURNAL_MAX_LINES; i++) {
      state.cells[`k${i % 7}`] = run(`v${i}`);
      journal = await appendRuntimeRuns(
        root,
        state,
        { [`k${i % 7}`]: state.cells[`k${i % 7}`] },
        journal,
      );
    }
    assert.equal(journal.lines, 0, "folded in at the limit");
    assert.equal(journals(root).length, 1, "the old journal is deleted");
    const read = await readRuntimeState(root);
    assert.deepEqual(read.state, state);
    assert.equal(read.state.cells.k0.provenance, `v${JOURNAL_MAX_LINES - (JOURNAL_MAX_LINES % 7)}`);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
