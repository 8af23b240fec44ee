// Issue 14 item 5: which local files are part of a cell's provenance. Attacks: a cell that names
// a file outside its notebook folder (../, a symlink, .strata/) must not get that file read or
// hashed by the server: its hash would be an oracle on the file's content.
import assert from "node:assert/strict";
import { loadAnalyzer } from "./analyzer.ts";
import { changedModules, LocalModules } from "./local_modules.ts";

async function importsOf() {
  const analyzer = await loadAnalyzer();
  return (src: string) => analyzer.analyze(src).imports;
}

Deno.test("local modules - follows ./ imports transitively within the folder; a missing file hashes as missing", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${root}/lib`);
    await Deno.writeTextFile(`${root}/helper.ts`, 'export * from "./lib/a.ts";\n');
    await Deno.writeTextFile(`${root}/lib/a.ts`, 'import "./b.ts";\nimport "npm:x";\n');
    await Deno.writeTextFile(`${root}/lib/b.ts`, 'import "../helper.ts";\n'); // a cycle
    const mods = new LocalModules(root, await importsOf());
    const h = mods.hashes(["./helper.ts", "./nope.ts", "npm:zod", "jsr:@std/x"]);
    assert.deepEqual(Object.keys(h).sort(), ["helper.ts", "lib/a.ts", "lib/b.ts", "nope.ts"]);
    assert.equal(h["nope.ts"], "missing");
    await Deno.writeTextFile(`${root}/lib/b.ts`, "export const changed = 1;\n");
    assert.deepEqual(changedModules(h, mods.hashes(["./helper.ts", "./nope.ts"])), ["lib/b.ts"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("local modules - files outside the notebook folder are never read: ../, symlinks out, .strata", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const root = `${dir}/nb`;
    await Deno.mkdir(`${root}/.strata`, { recursive: true });
    await Deno.writeTextFile(`${dir}/secret.txt`, "hunter2");
    await Deno.writeTextFile(`${root}/.strata/runtime.json`, "{}");
    await Deno.symlink(`${dir}/secret.txt`, `${root}/link.ts`);
    await Deno.writeTextFile(`${root}/inner.ts`, 'import "../secret.txt";\n');
    const mods = new LocalModules(root, await importsOf());
    const h = mods.hashes(["../secret.txt", "./link.ts", "./.strata/runtime.json", "./inner.ts"]);
    assert.deepEqual(Object.keys(h), ["inner.ts"], JSON.stringify(h));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
