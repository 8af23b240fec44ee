import assert from "node:assert/strict";
import { chunkedStream, patternBytes } from "./blob_store_conformance.ts";
import { fsBlobStore } from "./fs_blob_store.ts";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "strata-fs-blob-test-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function filesUnder(dir: string, rel = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(`${dir}/${rel}`)) {
    const path = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory) out.push(...await filesUnder(dir, path));
    else out.push(path);
  }
  return out.sort();
}

Deno.test("fsBlobStore - a blob is one file at <dir>/<key> and no temp files remain", async () => {
  await withDir(async (dir) => {
    const store = fsBlobStore(dir);
    await store.put("t/ab/one", patternBytes(1000));
    await store.put("t/ab/two", chunkedStream(patternBytes(200_000), 7000));
    await store.put("t/ab/one", patternBytes(10)); // overwrite
    const failing = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(10));
        controller.error(new Error("boom"));
      },
    });
    await assert.rejects(store.put("t/ab/three", failing), /boom/);
    assert.deepEqual(await filesUnder(dir), ["t/ab/one", "t/ab/two"]);
    assert.deepEqual(await Deno.readFile(`${dir}/t/ab/one`), patternBytes(10));
  });
});

Deno.test("fsBlobStore - a temp file left by a crash is never listed or read", async () => {
  await withDir(async (dir) => {
    const store = fsBlobStore(dir);
    await store.put("t/x", new Uint8Array(1));
    await Deno.writeFile(`${dir}/t/.~0000.tmp`, new Uint8Array(5));
    assert.deepEqual(await Array.fromAsync(store.list()), [{ key: "t/x", size: 1 }]);
  });
});

Deno.test("fsBlobStore - a folder is not a blob, and a missing root lists nothing", async () => {
  await withDir(async (dir) => {
    const store = fsBlobStore(`${dir}/not-yet`);
    assert.deepEqual(await Array.fromAsync(store.list()), []);
    await store.put("a/b", new Uint8Array(2));
    assert.equal(await store.has("a"), false);
    assert.equal(await store.get("a"), null);
    assert.equal(await store.getStream("a"), null);
    assert.equal(await store.get("a/b/c"), null, "a path under a file");
    await assert.rejects(store.put("a", new Uint8Array(1)), /a folder of that name exists/);
  });
});

Deno.test("fsBlobStore - the folder must be named when the store is created", () => {
  assert.throws(() => fsBlobStore(""), /dir must be a non-empty path/);
  assert.throws(() => fsBlobStore(undefined as unknown as string), TypeError);
});
