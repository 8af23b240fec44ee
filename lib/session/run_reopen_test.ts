/**
 * Issue 20: after a restart, opening a notebook whose analyses are stored and running it loads no
 * TypeScript compiler (≈45 MiB, 330–525 ms): the cells' modules are built with `@babel/parser`.
 * Each open runs in its own process (_run_reopen_child.ts).
 */
import assert from "node:assert/strict";
import { addCell, createNotebook } from "../notebook/format.ts";

const child = new URL("./_run_reopen_child.ts", import.meta.url).pathname;

async function openAndRun(root: string, cacheDir: string) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", child, root, cacheDir],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const text = new TextDecoder().decode(out.stdout);
  return JSON.parse(text.trim().split("\n").at(-1)!) as {
    ok: boolean;
    cells: { status: string; shown?: string }[];
    atOpen: boolean;
    afterRun: boolean;
  };
}

Deno.test("reopen and run after a restart: the cells run, and no TypeScript compiler is loaded", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const root = `${dir}/nb`;
    await createNotebook(root, { name: "run after restart" });
    await Deno.writeTextFile(`${root}/helper.ts`, "export const k = 20;\n");
    for (
      const source of [
        'import { k } from "./helper.ts";\nconst a: number = k + 1',
        "enum Mode { On = 'on' }\nconst cfg = { mode: Mode.On } satisfies Record<string, Mode>",
        "await using res = { async [Symbol.asyncDispose]() {} };\nconst b = a * 2",
        "`${cfg.mode} ${b}`",
      ]
    ) await addCell(root, { source });
    const cache = `${dir}/analysis`;
    const first = await openAndRun(root, cache); // nothing stored yet: the analyzer parses
    assert.equal(first.ok, true, JSON.stringify(first.cells));
    assert.equal(first.cells.at(-1)?.shown, "on 42");

    const again = await openAndRun(root, cache);
    assert.equal(again.ok, true, JSON.stringify(again.cells));
    assert.deepEqual(again.cells, first.cells);
    assert.equal(again.atOpen, false);
    assert.equal(again.afterRun, false, "running the re-opened notebook loaded TypeScript");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("first open of a new notebook: its cells are analyzed in the type thread, not on the server's", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const root = `${dir}/nb`;
    await createNotebook(root, { name: "first open" });
    for (
      const source of [
        "interface Row { id: number; amount: number }\nconst rows: Row[] = [{ id: 1, amount: 20 }]",
        "const total = rows.reduce((s, r) => s + r.amount, 0) * 2 + 2",
        "`total ${total}`",
      ]
    ) await addCell(root, { source });
    const first = await openAndRun(root, `${dir}/analysis`); // nothing stored: every cell misses
    assert.equal(first.ok, true, JSON.stringify(first.cells));
    assert.equal(first.cells.at(-1)?.shown, "total 42");
    assert.equal(first.atOpen, false, "the first open loaded TypeScript on the server's thread");
    assert.equal(first.afterRun, false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
