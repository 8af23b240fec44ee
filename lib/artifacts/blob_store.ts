/** Content-addressed blob storage behind one small interface (folder, S3, memory). */

/** Metadata of a stored blob. */
export interface BlobInfo {
  key: string;
  size: number;
}

/**
 * Blob storage. Keys are slash-separated relative names (`<tenantHash>/<aa>/<contentHash>`);
 * a backend rejects keys containing `..`, a leading `/`, or characters outside `[A-Za-z0-9._/-]`.
 * `put` is atomic: a reader sees the whole blob or nothing.
 */
export interface BlobStore {
  /** The blob's bytes, or null when it does not exist. */
  get(key: string): Promise<Uint8Array | null>;
  /** Stores bytes under key atomically (overwrites). */
  put(key: string, data: Uint8Array | ReadableStream<Uint8Array>): Promise<BlobInfo>;
  /** Whether the key exists. */
  has(key: string): Promise<boolean>;
  /** Removes the key; a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Lists blobs whose key starts with prefix. */
  list(prefix?: string): AsyncIterable<BlobInfo>;
}

const KEY_RE = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/** Throws a TypeError for a key a backend must not accept (traversal, absolute, odd characters). */
export function assertBlobKey(key: string): void {
  if (!KEY_RE.test(key) || key.split("/").some((p) => p === "." || p === "..")) {
    throw new TypeError(`Invalid blob key '${key}': use [A-Za-z0-9._-] segments joined by '/'`);
  }
}
