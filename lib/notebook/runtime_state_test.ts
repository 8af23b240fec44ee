import assert from "node:assert/strict";
import {
  readRuntimeState,
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
    // No temp files left beside it.
    const names = [...Deno.readDirSync(`${root}/.strata`)].map((e) => e.name).sort();
    assert.deepEqual(names, [".gitignore", "runtime.json"]);
    assert.ok(runtimeStatePath(root).endsWith("/.strata/runtime.json"));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
