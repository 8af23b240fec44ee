/** In-memory BlobStore for tests and throwaway sessions; values are copied in and out. */
import { assertBlobKey, type BlobInfo } from "./blob_store.ts";
import type { StreamingBlobStore } from "./streaming_blob_store.ts";
import { assertBlobPrefix } from "./_keys.ts";
import { readAllBytes } from "./_streams.ts";

/** Creates an empty in-memory blob store; a value becomes visible only once fully received. */
export function memoryBlobStore(): StreamingBlobStore {
  const blobs = new Map<string, Uint8Array>();

  return {
    get(key) {
      // Promise.try: an invalid key rejects like the I/O backends instead of throwing.
      return Promise.try(() => {
        assertBlobKey(key);
        return blobs.get(key)?.slice() ?? null;
      });
    },

    getStream(key) {
      return Promise.try(() => {
        assertBlobKey(key);
        const copy = blobs.get(key)?.slice();
        if (!copy) return null;
        return new ReadableStream<Uint8Array>({
          start(controller) {
            if (copy.length > 0) controller.enqueue(copy);
            controller.close();
          },
        });
      });
    },

    async put(key, data): Promise<BlobInfo> {
      assertBlobKey(key);
      // Copy so later mutation of the caller's buffer cannot change the stored value.
      const bytes = data instanceof Uint8Array ? data.slice() : (await readAllBytes(data)).slice();
      blobs.set(key, bytes);
      return { key, size: bytes.length };
    },

    has(key) {
      return Promise.try(() => {
        assertBlobKey(key);
        return blobs.has(key);
      });
    },

    delete(key) {
      return Promise.try(() => {
        assertBlobKey(key);
        blobs.delete(key);
      });
    },

    async *list(prefix = "") {
      assertBlobPrefix(prefix);
      const keys = [...blobs.keys()].filter((k) => k.startsWith(prefix)).sort();
      for (const key of keys) {
        const bytes = blobs.get(key);
        if (bytes) yield { key, size: bytes.length };
      }
    },
  };
}
