import assert from "node:assert/strict";
import { ConflictError, ValidationError } from "../errors.ts";
import { readNotebook } from "../notebook/format.ts";
import { duplicateText, importIpynb } from "./import_ipynb.ts";

function ipynb(cells: { cell_type: string; source: string | string[] }[]): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "deno", language: "typescript" } },
    cells: cells.map((c) => ({ metadata: {}, outputs: [], ...c })),
  });
}

Deno.test("import - a name defined in two cells is reported with both cells", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/nb.ipynb`,
      ipynb([
        { cell_type: "markdown", source: ["# Data\n", "Loaded below."] },
        { cell_type: "code", source: ["let x = 1\n", "const y = 2"] },
        { cell_type: "code", source: "x = x + 1" },
        { cell_type: "code", source: "const y = 3\nx + y" },
        { cell_type: "raw", source: "raw text" },
      ]),
    );
    const report = await importIpynb(`${dir}/nb.ipynb`, `${dir}/out`);
    assert.equal(report.name, "nb");
    assert.equal(report.cells.length, 4);
    assert.deepEqual(report.skipped, [{ index: 5, reason: "raw cells have no Strata equivalent" }]);
    // `x = x + 1` reassigns: not a second definition. `y` is declared twice.
    assert.equal(report.duplicates.length, 1);
    const [dup] = report.duplicates;
    assert.equal(dup.name, "y");
    assert.deepEqual(dup.cells.map((c) => c.index), [2, 4]);
    assert.deepEqual(dup.cells.map((c) => c.id), [report.cells[1].id, report.cells[3].id]);
    assert.match(duplicateText(dup), /'y' is defined in cell 2 \(\w+\) and cell 4 \(\w+\)/);

    const nb = await readNotebook(`${dir}/out`);
    assert.deepEqual(nb.cells.map((c) => c.source), [
      "# Data\nLoaded below.",
      "let x = 1\nconst y = 2",
      "x = x + 1",
      "const y = 3\nx + y",
    ]);
    assert.deepEqual(nb.cells.map((c) => c.language), [
      "markdown",
      "typescript",
      "typescript",
      "typescript",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("import - a malformed file or a used folder writes nothing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/bad.ipynb`, '{"nbformat": 4, "cells": [{"cell_type": 1}]}');
    await assert.rejects(importIpynb(`${dir}/bad.ipynb`, `${dir}/out`), ValidationError);
    await Deno.mkdir(`${dir}/used`);
    await Deno.writeTextFile(`${dir}/used/keep.txt`, "mine");
    await Deno.writeTextFile(`${dir}/ok.ipynb`, ipynb([{ cell_type: "code", source: "1" }]));
    await assert.rejects(importIpynb(`${dir}/ok.ipynb`, `${dir}/used`), ConflictError);
    const names = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    assert.deepEqual(names.sort(), ["bad.ipynb", "ok.ipynb", "used"]);
    assert.equal(await Deno.readTextFile(`${dir}/used/keep.txt`), "mine");
    // An existing empty folder is fine.
    await Deno.mkdir(`${dir}/empty`);
    const report = await importIpynb(`${dir}/ok.ipynb`, `${dir}/empty`);
    assert.equal(report.cells.length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
