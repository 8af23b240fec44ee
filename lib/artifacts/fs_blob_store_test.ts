import assert from "node:assert/strict";
import { chunkedStream, patternBytes } from "./blob_store_conformance.ts";
import { fsBlobStore, SYNC_PUT_BYTES } from "./fs_blob_store.ts";

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

Deno.test("fsBlobStore - small blobs (written synchronously) and large ones land whole, nothing else left", async () => {
  await withDir(async (dir) => {
    const store = fsBlobStore(`${dir}/new`); // its folders do not exist yet
    const small = patternBytes(SYNC_PUT_BYTES);
    const large = patternBytes(SYNC_PUT_BYTES + 1);
    await store.put("t/s/small", small);
    await store.put("t/l/large", large);
    await store.put("t/s/small", patternBytes(3)); // replaced
    await store.put("t/s/folder/inner", new Uint8Array(1));
    // A put that cannot rename (a folder has the key's name) fails on either path and leaves no
    // temp file behind.
    await assert.rejects(store.put("t/s/folder", small), /a folder of that name exists/);
    await assert.rejects(store.put("t/s/folder", large), /a folder of that name exists/);
    assert.deepEqual(await filesUnder(`${dir}/new`), [
      "t/l/large",
      "t/s/folder/inner",
      "t/s/small",
    ]);
    assert.deepEqual(await store.get("t/s/small"), patternBytes(3));
    assert.deepEqual(await store.get("t/l/large"), large);
    await store.flush();
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

/** Replaces FsFile#sync while fn runs: each call is recorded and waits for `release`. */
async function withHeldSyncs(
  fn: (calls: string[], release: () => void) => Promise<void>,
): Promise<void> {
  const original = Deno.FsFile.prototype.sync;
  const calls: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  Deno.FsFile.prototype.sync = async function (this: Deno.FsFile) {
    calls.push((await this.stat()).isDirectory ? "folder" : "file");
    await gate;
  };
  try {
    await fn(calls, release);
  } finally {
    Deno.FsFile.prototype.sync = original;
  }
}

Deno.test("fsBlobStore - by default put returns before the disk sync, and flush waits for it", async () => {
  await withDir(async (dir) => {
    await withHeldSyncs(async (calls, release) => {
      const store = fsBlobStore(dir);
      await store.put("t/ab/one", patternBytes(100)); // returns although every sync is held
      await store.put("t/ab/two", patternBytes(200));
      // Complete and readable under its key at once: a process crash now loses nothing.
      assert.deepEqual(await store.get("t/ab/one"), patternBytes(100));
      let flushed = false;
      const flushing = store.flush().then(() => flushed = true);
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(flushed, false, "flush returned before the fsyncs finished");
      // Each file is being synced; a folder only after its files.
      assert.deepEqual(calls.filter((c) => c === "file"), ["file", "file"]);
      assert.equal(calls.at(-1), "file");
      release();
      await flushing;
      assert.equal(calls.filter((c) => c === "file").length, 2);
      assert.ok(calls.includes("folder"), "the folder was never synced");
    });
  });
});

Deno.test("fsBlobStore - durable: true waits for the sync; a blob deleted before its sync is fine", async () => {
  await withDir(async (dir) => {
    await withHeldSyncs(async (calls, release) => {
      const store = fsBlobStore(dir, { durable: true });
      let done = false;
      const putting = store.put("t/one", patternBytes(10)).then(() => done = true);
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(done, false, "put returned before its fsync");
      release();
      await putting;
      assert.deepEqual(calls, ["file", "folder"]);
    });
    const store = fsBlobStore(dir);
    await store.put("t/gone", patternBytes(10));
    await store.delete("t/gone");
    await store.flush(); // no error for the vanished file
    assert.equal(await store.has("t/gone"), false);
  });
});
