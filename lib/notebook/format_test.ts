import assert from "node:assert/strict";
import { join } from "node:path";
import { NotFoundError, ValidationError } from "../errors.ts";
import {
  addCell,
  createNotebook,
  editCell,
  readNotebook,
  removeCell,
  renameCell,
  reorderCells,
  setNotebookEnv,
} from "./format.ts";
import { parseManifest } from "./manifest.ts";
import { readRuntimeState, recordCellRun } from "./runtime_state.ts";

const NOW = new Date("2025-01-02T03:04:05.000Z");

async function withNotebook(fn: (root: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "strata_nb_" });
  try {
    await createNotebook(dir, { name: "Sales", owner: "ana", now: NOW });
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const toml = (root: string) => Deno.readTextFile(join(root, "notebook.toml"));

Deno.test("format - create, add, edit, reorder, rename and remove cells", () =>
  withNotebook(async (root) => {
    const { cellId: a } = await addCell(root, {
      source: "// @name Load data\nconst df = 1",
      now: NOW,
    });
    const { cellId: b } = await addCell(root, { source: "# Notes", language: "markdown" });
    const { cellId: c, notebook } = await addCell(root, { source: "const top = 0", after: null });
    assert.match(a, /^[0-9a-f]{8}$/);
    assert.deepEqual(notebook.cells.map((x) => x.id), [c, a, b]);
    assert.equal(notebook.cells[1].file, `cells/${a}_load-data.ts`);
    assert.equal(notebook.cells[2].file, `cells/${b}_notes.md`);

    const before = await toml(root);
    const edited = await editCell(root, a, "// @name Load data\nconst df = 2");
    assert.equal(edited.cells[1].source, "// @name Load data\nconst df = 2");
    assert.equal(await toml(root), before, "a source edit must not touch notebook.toml");

    const reordered = await reorderCells(root, [a, b, c]);
    assert.deepEqual(reordered.cells.map((x) => [x.id, x.order]), [[a, 1], [b, 2], [c, 3]]);
    await assert.rejects(reorderCells(root, [a, b]), ValidationError);
    await assert.rejects(reorderCells(root, [a, a, c]), ValidationError);

    const renamed = await renameCell(root, a, "Load sales");
    assert.equal(renamed.cells[0].file, `cells/${a}_load-sales.ts`);
    assert.equal(renamed.cells[0].source, "// @name Load sales\nconst df = 2");
    await assert.rejects(Deno.stat(join(root, `cells/${a}_load-data.ts`)), Deno.errors.NotFound);

    const removed = await removeCell(root, b);
    assert.deepEqual(removed.cells.map((x) => x.id), [a, c]);
    await assert.rejects(Deno.stat(join(root, `cells/${b}_notes.md`)), Deno.errors.NotFound);
    await assert.rejects(editCell(root, "nope", "x"), NotFoundError);
  }));

Deno.test("format - notebook.toml is byte-identical after a simulated run", () =>
  withNotebook(async (root) => {
    const { cellId } = await addCell(root, { source: "const x = 1" });
    const before = await Deno.readFile(join(root, "notebook.toml"));
    await recordCellRun(root, cellId, { provenance: "p1", status: "ready", durationMs: 12 });
    assert.deepEqual(await Deno.readFile(join(root, "notebook.toml")), before);
    const { state } = await readRuntimeState(root);
    assert.equal(state.cells[cellId].provenance, "p1");
    assert.equal(await Deno.readTextFile(join(root, ".strata/.gitignore")), "*\n");
  }));

Deno.test("format - sensitive env values are blanked and an all-blank [env] is omitted", () =>
  withNotebook(async (root) => {
    // Values no random notebook id can contain (it is a UUID: hex digits and dashes).
    await setNotebookEnv(root, { REGION: "eu", API_KEY: "s3cr3t-kq", DB_PASSWORD: "pw" });
    const text = await toml(root);
    assert.match(text, /REGION = "eu"/);
    assert.match(text, /API_KEY = ""/);
    assert.doesNotMatch(text, /s3cr3t-kq|"pw"/);
    await setNotebookEnv(root, { API_TOKEN: "t", SECRET_SAUCE: "s" });
    assert.doesNotMatch(await toml(root), /\[env\]|API_TOKEN/);
  }));

Deno.test("format - unknown keys survive a structural rewrite", () =>
  withNotebook(async (root) => {
    const path = join(root, "notebook.toml");
    await Deno.writeTextFile(join(root, "cells/c1_x.ts"), "const x = 1");
    const text = (await Deno.readTextFile(path)).replace(/cells = \[\]\n?/, "");
    await Deno.writeTextFile(
      path,
      `theme = "dark"\n${text}\n[plugins.chart]\nenabled = true\n\n` +
        `[[cells]]\nid = "c1"\nfile = "cells/c1_x.ts"\nlanguage = "typescript"\norder = 1\ncolor = "red"\n`,
    );
    await addCell(root, { source: "const y = 2" });
    const m = parseManifest(await Deno.readTextFile(path));
    assert.equal(m.theme, "dark");
    assert.deepEqual(JSON.parse(JSON.stringify(m.plugins)), { chart: { enabled: true } });
    assert.equal(m.cells.length, 2);
    assert.equal(m.cells[0].color, "red");
  }));

Deno.test("format - a missing cell file is a cell diagnostic, not a crash", () =>
  withNotebook(async (root) => {
    const { notebook } = await addCell(root, { source: "const x = 1" });
    await Deno.remove(join(root, notebook.cells[0].file));
    const read = await readNotebook(root);
    assert.equal(read.cells[0].source, "");
    assert.match(read.cells[0].diagnostics[0].message, /is missing/);
  }));

Deno.test("format - malformed manifests name the file, the key and the problem", () => {
  const ok = 'notebook_id = "n"\nname = "x"\ncreated_at = "t"\nupdated_at = "t"\n';
  assert.throws(
    () => parseManifest('name = "x"\ncells = [\n', "/nb/notebook.toml"),
    (e: Error) =>
      e instanceof ValidationError && /\/nb\/notebook\.toml/.test(e.message) &&
      /line 3, column 1/.test(e.message),
  );
  const table: [string, RegExp][] = [
    ['name = "x"', /key 'notebook_id'/],
    [ok + 'timeout = "soon"', /key 'timeout'/],
    [
      ok + '[[cells]]\nid = "a"\nfile = "cells/a.ts"\nlanguage = "python"\norder = 1',
      /key 'cells\[0\]\.language'/,
    ],
    [
      ok +
      '[[cells]]\nid = "a"\nfile = "cells/a.ts"\nlanguage = "typescript"\norder = 1\n[[cells]]\nid = "a"\nfile = "cells/b.ts"\nlanguage = "typescript"\norder = 2',
      /duplicate cell id 'a'/,
    ],
  ];
  for (const [text, pattern] of table) {
    assert.throws(
      () => parseManifest(text, "nb.toml"),
      (e: Error) =>
        e instanceof ValidationError && pattern.test(e.message) && e.message.includes("nb.toml"),
    );
  }
});

Deno.test("format - hostile cell file paths are rejected", () => {
  const ok = 'notebook_id = "n"\nname = "x"\ncreated_at = "t"\nupdated_at = "t"\n';
  for (
    const file of [
      "../etc/passwd",
      "/etc/passwd",
      "cells/../../x.ts",
      "cells/sub/x.ts",
      "cells\\\\x.ts",
      "notebook.toml",
      "cells/.hidden",
    ]
  ) {
    const text = `${ok}[[cells]]\nid = "a"\nfile = "${file}"\nlanguage = "typescript"\norder = 1`;
    assert.throws(
      () => parseManifest(text, "nb.toml"),
      (e: Error) => e instanceof ValidationError && /cells\[0\]\.file/.test(e.message),
      file,
    );
  }
});

Deno.test("format - opening a folder without a notebook is NotFound", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(readNotebook(dir), NotFoundError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
