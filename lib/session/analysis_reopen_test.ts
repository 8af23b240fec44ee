/**
 * Issue 20: re-opening a notebook whose cells were analyzed before (a new server process) reads
 * the stored analyses and loads no parser; what the user sees is the same as a fresh analysis.
 * Each open runs in its own process (_analysis_reopen_child.ts), as after a restart.
 */
import assert from "node:assert/strict";
import { addCell, createNotebook } from "../notebook/format.ts";

const child = new URL("./_analysis_reopen_child.ts", import.meta.url).pathname;

interface Opened {
  cells: {
    id: string;
    defines: string[];
    references: string[];
    status: string;
    provenance: unknown;
  }[];
  /** Sources that missed the cache and were parsed (in the type thread). */
  parsed: number;
  /** Whether the server's own thread loaded the compiler. */
  typeScriptLoaded: boolean;
}

async function open(root: string, cacheDir: string, tenant: string, edit?: string) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", child, root, cacheDir, tenant, ...(edit ? [edit] : [])],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return JSON.parse(text.trim().split("\n").at(-1)!) as { opened: Opened; edited?: Opened };
}

async function notebook(dir: string): Promise<string> {
  const root = `${dir}/nb`;
  await createNotebook(root, { name: "reopen" });
  for (const source of ["const a = 1", "const b = a + 1", "let c = b * 2; c++", "c + missing"]) {
    await addCell(root, { source });
  }
  return root;
}

async function entries(dir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const sub of Deno.readDir(dir)) {
    for await (const e of Deno.readDir(`${dir}/${sub.name}`)) found.push(e.name);
  }
  return found.sort();
}

Deno.test("reopen after a restart: stored analyses, no TypeScript, the same notebook", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const root = await notebook(dir);
    const cache = `${dir}/analysis`;
    const first = await open(root, cache, "t1");
    assert.equal(first.opened.parsed > 0, true); // nothing stored yet: parsed
    assert.equal(first.opened.typeScriptLoaded, false, "parsed in the type thread, not here");
    assert.deepEqual(first.opened.cells.map((c) => c.defines), [["a"], ["b"], ["c"], []]);
    assert.equal((await entries(`${cache}/t1`)).length, 4);

    const again = await open(root, cache, "t1");
    assert.equal(again.opened.parsed, 0);
    assert.equal(again.opened.typeScriptLoaded, false);
    assert.deepEqual(again.opened.cells, first.opened.cells);

    // An edit parses only then (the new source misses), and is stored for the next open.
    const edited = await open(root, cache, "t1", "const a = 2");
    assert.equal(edited.opened.parsed, 0);
    assert.equal(edited.edited!.parsed, 1);
    assert.equal(edited.edited!.typeScriptLoaded, false);
    assert.equal((await entries(`${cache}/t1`)).length, 5);
    const afterEdit = await open(root, cache, "t1");
    assert.equal(afterEdit.opened.parsed, 0);
    assert.deepEqual(afterEdit.opened.cells, edited.edited!.cells);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("reopen: a cell importing a local module loads no parser either", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const root = `${dir}/nb`;
    await createNotebook(root, { name: "modules" });
    await Deno.writeTextFile(`${root}/helper.ts`, 'export { k } from "./more.ts";\n');
    await Deno.writeTextFile(`${root}/more.ts`, "export const k = 3;\n");
    await addCell(root, { source: 'import { k } from "./helper.ts"' });
    await addCell(root, { source: "const twice = k * 2" });
    const cache = `${dir}/analysis`;
    const first = await open(root, cache, "t1");
    assert.equal(first.opened.parsed > 0, true);
    const again = await open(root, cache, "t1");
    assert.equal(again.opened.parsed, 0);
    assert.deepEqual(again.opened.cells, first.opened.cells);
    // The module's own imports came from the store too: editing more.ts still reaches the cells.
    await Deno.writeTextFile(`${root}/more.ts`, "export const k = 4;\n");
    const changed = await open(root, cache, "t1");
    assert.notDeepEqual(
      changed.opened.cells.map((c) => c.provenance),
      first.opened.cells.map((c) => c.provenance),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("reopen: a corrupt entry is a miss (parsed and rewritten), never an error", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const root = await notebook(dir);
    const cache = `${dir}/analysis`;
    const first = await open(root, cache, "t1");
    const sub = [...Deno.readDirSync(`${cache}/t1`)][0].name;
    const name = [...Deno.readDirSync(`${cache}/t1/${sub}`)][0].name;
    await Deno.writeTextFile(`${cache}/t1/${sub}/${name}`, '{"v":1,"key":');
    const again = await open(root, cache, "t1");
    assert.equal(again.opened.parsed > 0, true);
    assert.deepEqual(again.opened.cells, first.opened.cells);
    const third = await open(root, cache, "t1");
    assert.equal(third.opened.parsed, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("reopen: one tenant's stored analyses are not another's (no probing by timing)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const root = await notebook(dir);
    const cache = `${dir}/analysis`;
    await open(root, cache, "t1");
    // Tenant t2 opening the very same sources finds nothing of t1's: it parses, and stores its own.
    const other = await open(root, cache, "t2");
    assert.equal(other.opened.parsed > 0, true);
    assert.deepEqual(await entries(`${cache}/t2`), await entries(`${cache}/t1`));
    // A tenant hash that is not a plain segment cannot reach another tenant's directory.
    const sneaky = await open(root, cache, "../t1");
    assert.equal(sneaky.opened.parsed > 0, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
