/** Reading blobs as streams: the optional extension the fs, S3 and memory backends implement. */
import type { BlobStore } from "./blob_store.ts";

/** A BlobStore that can also hand a blob out as a stream, so large blobs are never buffered. */
export interface StreamingBlobStore extends BlobStore {
  /** The blob's bytes as a stream, or null when it does not exist. */
  getStream(key: string): Promise<ReadableStream<Uint8Array> | null>;
}

/** Whether a store implements getStream. */
export function isStreamingBlobStore(store: BlobStore): store is StreamingBlobStore {
  return typeof (store as Partial<StreamingBlobStore>).getStream === "function";
}

/** Reads a blob as a stream, falling back to a one-chunk stream for stores without getStream. */
export async function getBlobStream(
  store: BlobStore,
  key: string,
): Promise<ReadableStream<Uint8Array> | null> {
  if (isStreamingBlobStore(store)) return await store.getStream(key);
  const bytes = await store.get(key);
  if (bytes === null) return null;
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
}
