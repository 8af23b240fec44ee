import assert from "node:assert/strict";
import { atomicWriteTextFile } from "./_atomic.ts";

Deno.test("atomicWriteTextFile - small and large texts replace the file whole; a failure leaves no temp file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "strata-atomic-test-" });
  try {
    const small = "a".repeat(1000);
    const large = "é".repeat(300 * 1024); // over the synchronous limit
    await atomicWriteTextFile(`${dir}/f.json`, small);
    assert.equal(await Deno.readTextFile(`${dir}/f.json`), small);
    await atomicWriteTextFile(`${dir}/f.json`, large);
    assert.equal(await Deno.readTextFile(`${dir}/f.json`), large);
    await Deno.mkdir(`${dir}/taken`);
    await Deno.writeTextFile(`${dir}/taken/x`, "");
    // A folder where the file should go: both paths fail, and leave the folder as it was.
    await assert.rejects(atomicWriteTextFile(`${dir}/taken`, small));
    await assert.rejects(atomicWriteTextFile(`${dir}/taken`, large));
    await assert.rejects(atomicWriteTextFile(`${dir}/missing/f.json`, small), Deno.errors.NotFound);
    const names = (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
    assert.deepEqual(names, ["f.json", "taken"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
