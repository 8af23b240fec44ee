/**
 * Folder BlobStore: one file per key, written atomically (temp file, rename). By default the
 * fsyncs that make a blob survive a power loss run right after the rename, in the background, so a
 * cell's run does not wait for the disk (issue 20: two fsync'd puts were 13–35 ms of a warm cell).
 */
import { assertBlobKey, type BlobInfo } from "./blob_store.ts";
import type { StreamingBlobStore } from "./streaming_blob_store.ts";
import { readFileChunked, writeAllChunked } from "../chunked_io.ts";
import { assertBlobPrefix, splitPrefix } from "./_keys.ts";

/** Options for fsBlobStore. */
export interface FsBlobStoreOptions {
  /**
   * When a blob is made to survive a power loss (fsync of the file and its folder):
   * - `"background"`: `put` returns once the blob is complete under its key (a process crash
   *   loses nothing); the fsyncs follow at once, batched, and `flush()` waits for them. A power
   *   loss in those milliseconds can lose the newest blobs; artifact reads verify content hashes,
   *   so a lost blob is a cache miss (the cell runs again), never a wrong value.
   * - `true`: `put` returns after both fsyncs.
   * - `false`: never fsync.
   * @default "background"
   */
  durable?: boolean | "background";
}

/** A folder blob store; `flush` waits for the background fsyncs of blobs already put. */
export interface FsBlobStore extends StreamingBlobStore {
  flush(): Promise<void>;
}

// Temp names contain '~', which no valid key can, so they never collide with blobs or get listed.
const TEMP_MARK = "~";

/**
 * Blobs up to this size are written with synchronous calls (unless `durable: true`, whose fsyncs
 * wait for the disk). Writing a small file into the page cache takes microseconds, while each
 * async call hands off to Deno's blocking thread pool and wakes a thread, which on a busy machine
 * cost the event loop 0.5–7 ms per call (issue 20; docs/performance.md, "Fourth session"). A warm
 * cell's `$result` and small values are far below it; larger blobs stay asynchronous, in chunks.
 */
export const SYNC_PUT_BYTES = 256 * 1024;

/** Creates a blob store rooted at `dir` (created on first write). */
export function fsBlobStore(dir: string, options: FsBlobStoreOptions = {}): FsBlobStore {
  if (typeof dir !== "string" || dir.trim() === "") {
    throw new TypeError(`fsBlobStore: dir must be a non-empty path, got ${JSON.stringify(dir)}`);
  }
  const durable = options.durable ?? "background";
  const syncs = backgroundSyncs();
  const root = dir.replace(/\/+$/, "") || "/";

  function pathOf(key: string): string {
    assertBlobKey(key);
    return `${root}/${key}`;
  }

  async function put(
    key: string,
    data: Uint8Array | ReadableStream<Uint8Array>,
  ): Promise<BlobInfo> {
    const path = pathOf(key);
    const folder = path.slice(0, path.lastIndexOf("/"));
    const temp = `${folder}/.${TEMP_MARK}${crypto.randomUUID()}.tmp`;
    const small = data instanceof Uint8Array && data.length <= SYNC_PUT_BYTES && durable !== true;
    const size = small
      ? writeTempSync(temp, folder, data)
      : await writeTemp(temp, folder, data, durable === true);
    try {
      if (small) Deno.renameSync(temp, path);
      else await Deno.rename(temp, path);
    } catch (err) {
      await Deno.remove(temp).catch(() => {});
      if (err instanceof Deno.errors.IsADirectory || err instanceof Deno.errors.AlreadyExists) {
        throw new Error(`Cannot store blob '${key}': a folder of that name exists in ${root}`, {
          cause: err,
        });
      }
      throw err;
    }
    if (durable === true) await syncFolder(folder);
    else if (durable === "background") syncs.add(path, folder);
    return { key, size };
  }

  async function get(key: string): Promise<Uint8Array | null> {
    try {
      return await readFileChunked(pathOf(key));
    } catch (err) {
      if (isAbsent(err)) return null;
      throw err;
    }
  }

  async function getStream(key: string): Promise<ReadableStream<Uint8Array> | null> {
    try {
      const file = await Deno.open(pathOf(key), { read: true });
      if ((await file.stat()).isFile) return file.readable;
      file.close();
      return null;
    } catch (err) {
      if (isAbsent(err)) return null;
      throw err;
    }
  }

  // deno-lint-ignore require-await
  async function has(key: string): Promise<boolean> {
    try {
      // A synchronous stat (a metadata lookup): ≈6 µs of CPU where the async one costs ≈60 µs
      // across threads, and a cached run-all checks one blob per cell (issue 20).
      return Deno.statSync(pathOf(key)).isFile;
    } catch (err) {
      if (isAbsent(err)) return false;
      throw err;
    }
  }

  async function remove(key: string): Promise<void> {
    try {
      await Deno.remove(pathOf(key));
    } catch (err) {
      if (!isAbsent(err)) throw err;
    }
  }

  async function* list(prefix = ""): AsyncIterable<BlobInfo> {
    assertBlobPrefix(prefix);
    // Walk only the deepest folder the prefix names completely, then filter by the rest.
    const { dirs } = splitPrefix(prefix);
    const start = dirs.join("/");
    for await (const info of walk(start ? `${root}/${start}` : root, start)) {
      if (info.key.startsWith(prefix)) yield info;
    }
  }

  return { get, getStream, put, has, delete: remove, list, flush: () => syncs.flush() };
}

/**
 * fsyncs queued by path and run on the next turn, all at once: a run's puts share one pass, and a
 * folder written to many times is synced once per pass.
 */
function backgroundSyncs() {
  let files = new Set<string>();
  let folders = new Set<string>();
  let pass: Promise<void> | undefined;
  const run = async () => {
    await new Promise((r) => setTimeout(r, 0)); // gather this turn's puts
    const [f, d] = [files, folders];
    files = new Set();
    folders = new Set();
    pass = undefined;
    await Promise.all([...f].map(syncFile));
    await Promise.all([...d].map(syncFolder));
  };
  const passes = new Set<Promise<void>>();
  return {
    add(file: string, folder: string) {
      files.add(file);
      folders.add(folder);
      if (!pass) {
        const p: Promise<void> = pass = run().finally(() => passes.delete(p));
        passes.add(p);
      }
    },
    async flush() {
      while (passes.size > 0) await Promise.all(passes);
    },
  };
}

/** fsync a blob by path; one deleted or replaced since is not an error. */
async function syncFile(path: string): Promise<void> {
  try {
    using file = await Deno.open(path, { read: true });
    await file.sync();
  } catch {
    // Deleted (GC) or unreadable: nothing of it left to make durable.
  }
}

async function* walk(folder: string, keyPrefix: string): AsyncGenerator<BlobInfo> {
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(folder));
  } catch (err) {
    if (isAbsent(err) || err instanceof Deno.errors.NotADirectory) return;
    throw err;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.includes(TEMP_MARK)) continue;
    const key = keyPrefix ? `${keyPrefix}/${entry.name}` : entry.name;
    const path = `${folder}/${entry.name}`;
    if (entry.isDirectory) {
      yield* walk(path, key);
    } else if (entry.isFile) {
      try {
        yield { key, size: (await Deno.stat(path)).size };
      } catch (err) {
        if (!isAbsent(err)) throw err; // deleted while listing: skip it
      }
    }
  }
}

/** Creates the temp file, and its folder only when missing (most puts go to an existing one). */
async function createTemp(temp: string, folder: string): Promise<Deno.FsFile> {
  const options = { write: true, createNew: true, mode: 0o644 };
  try {
    return await Deno.open(temp, options);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
    await Deno.mkdir(folder, { recursive: true });
    return await Deno.open(temp, options);
  }
}

/** A blob's temp file, in chunks, fsync'd when `sync`; returns its size. Nothing left on failure. */
async function writeTemp(
  temp: string,
  folder: string,
  data: Uint8Array | ReadableStream<Uint8Array>,
  sync: boolean,
): Promise<number> {
  let size = 0;
  try {
    using file = await createTemp(temp, folder);
    if (data instanceof Uint8Array) {
      await writeAll(file, data);
      size = data.length;
    } else {
      for await (const chunk of data) {
        await writeAll(file, chunk);
        size += chunk.length;
      }
    }
    if (sync) await file.sync();
  } catch (err) {
    await Deno.remove(temp).catch(() => {});
    throw err;
  }
  return size;
}

/** A small blob's temp file, written synchronously (see SYNC_PUT_BYTES); returns its size. */
function writeTempSync(temp: string, folder: string, data: Uint8Array): number {
  const options = { createNew: true, mode: 0o644 };
  try {
    try {
      Deno.writeFileSync(temp, data, options);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
      Deno.mkdirSync(folder, { recursive: true });
      Deno.writeFileSync(temp, data, options);
    }
  } catch (err) {
    try {
      Deno.removeSync(temp);
    } catch { /* never created */ }
    throw err;
  }
  return data.length;
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  await writeAllChunked(file, bytes); // slices: a 200 MB blob does not stall the event loop
}

/** fsync a folder so a rename into it is durable; not all platforms allow opening folders. */
async function syncFolder(folder: string): Promise<void> {
  try {
    using handle = await Deno.open(folder, { read: true });
    await handle.sync();
  } catch {
    // Best effort: the file itself was already synced before the rename.
  }
}

function isAbsent(err: unknown): boolean {
  // A key whose parent is a file (or that names a folder) does not exist as a blob.
  return err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory ||
    err instanceof Deno.errors.IsADirectory;
}
