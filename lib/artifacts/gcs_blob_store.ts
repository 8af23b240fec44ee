/**
 * Google Cloud Storage backend (`@google-cloud/storage`, loaded on first use). Objects live under
 * `<prefix><key>` in one bucket. Small values are one multipart insert; streams and large values
 * are a resumable upload, which GCS makes visible only when its last chunk arrives, so a reader
 * sees the old value or the whole new one and a failing source stores nothing. Works against GCS
 * (credentials: a service-account JSON file) or an emulator-style `endpoint` without credentials.
 */
import { EventEmitter } from "node:events";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { assertBlobKey, type BlobInfo } from "./blob_store.ts";
import { assertBlobPrefix } from "./_keys.ts";
import type { StreamingBlobStore } from "./streaming_blob_store.ts";
import { importOptional } from "../optional_import.ts";

type GcsSdk = typeof import("@google-cloud/storage");
type Bucket = import("@google-cloud/storage").Bucket;

/** Options for gcsBlobStore. */
export interface GcsBlobStoreOptions {
  bucket: string;
  /** Object name prefix inside the bucket. @default "" */
  prefix?: string;
  /** API endpoint, e.g. a local emulator's `http://127.0.0.1:4443`. @default https://storage.googleapis.com */
  endpoint?: string;
  /** Project id (the client sends it on some calls; objects do not need it). */
  projectId?: string;
  /** Path of a service-account JSON key file; required unless `endpoint` is set. */
  keyFilename?: string;
  /** Values at or above this size go through a resumable upload. @default 8 MiB */
  resumableThresholdBytes?: number;
  /** Bytes per resumable request (a multiple of 256 KiB). @default 8 MiB */
  chunkSizeBytes?: number;
}

const GCS_BUCKET = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

/** A Google Cloud Storage BlobStore; see the module comment. */
export function gcsBlobStore(options: GcsBlobStoreOptions): StreamingBlobStore {
  if (!GCS_BUCKET.test(options.bucket)) {
    throw new TypeError(
      `GCS bucket '${options.bucket}' is not a valid name (3-222 lowercase letters, digits, '.', '-', '_')`,
    );
  }
  if (!options.keyFilename && !options.endpoint) {
    throw new TypeError(
      "GCS blob store needs a service-account key file (GOOGLE_APPLICATION_CREDENTIALS) or an emulator endpoint",
    );
  }
  const chunkSize = options.chunkSizeBytes ?? 8 * 1024 * 1024;
  if (chunkSize % (256 * 1024) !== 0) {
    throw new TypeError(`GCS chunkSizeBytes must be a multiple of 256 KiB, got ${chunkSize}`);
  }
  const threshold = options.resumableThresholdBytes ?? 8 * 1024 * 1024;
  const prefix = options.prefix ?? "";
  if (prefix !== "") assertBlobPrefix(prefix);
  const where = `GCS bucket '${options.bucket}'`;
  let loading: Promise<Bucket> | undefined;

  function bucket(): Promise<Bucket> {
    return loading ??= (async () => {
      const sdk = await importOptional<GcsSdk>("@google-cloud/storage"); // lazily fetched
      // Each download's response body carries 11 listeners by design (node-fetch, teeny-request
      // and the client each pipe it); under Deno's node:stream that is one over the default
      // limit of 10, so every read printed two MaxListenersExceededWarning lines (measured).
      // The limit is a leak heuristic only; raised once, process-wide, to 16.
      if (EventEmitter.defaultMaxListeners < 16) EventEmitter.defaultMaxListeners = 16;
      // google-auth-library 11 prints "The `keyFilename` option is deprecated" from the
      // constructor; its suggested JWT constructor needs google-auth-library named in deno.json,
      // which makes openai resolve it as a peer and pulls it into every start (measured in
      // deno.lock). So the one line is dropped while the (synchronous) constructor runs.
      const storage = withoutKeyFileWarning(() =>
        new sdk.Storage({
          apiEndpoint: options.endpoint,
          projectId: options.projectId,
          keyFilename: options.keyFilename,
          // A custom endpoint skips authentication unless asked; with a key file, authenticate.
          useAuthWithCustomEndpoint: options.keyFilename !== undefined,
        })
      );
      return storage.bucket(options.bucket);
    })();
  }

  async function call<T>(what: string, key: string, fn: (b: Bucket) => Promise<T>) {
    try {
      return await fn(await bucket());
    } catch (err) {
      throw describe(err, `${what} '${key}' in ${where}`);
    }
  }

  /** The object's generation, or null when it does not exist (a missing bucket throws). */
  async function generationOf(b: Bucket, key: string): Promise<string | null> {
    try {
      const [meta] = await b.file(prefix + key).getMetadata();
      return String(meta.generation);
    } catch (err) {
      if (statusOf(err) === 404 && !isBucketMissing(err)) return null;
      throw err;
    }
  }

  return {
    async get(key) {
      assertBlobKey(key);
      return await call("Cannot read", key, async (b) => {
        try {
          const [buf] = await b.file(prefix + key).download();
          return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
        } catch (err) {
          if (statusOf(err) === 404 && !isBucketMissing(err)) return null;
          throw err;
        }
      });
    },
    async getStream(key) {
      assertBlobKey(key);
      return await call("Cannot read", key, async (b) => {
        const generation = await generationOf(b, key);
        if (generation === null) return null;
        // Pinned to the generation just seen: an overwrite meanwhile cannot mix two values.
        const file = b.file(prefix + key, { generation: Number(generation) });
        return Readable.toWeb(file.createReadStream()) as ReadableStream<Uint8Array>;
      });
    },
    async put(key, data): Promise<BlobInfo> {
      assertBlobKey(key);
      return await call("Cannot write", key, async (b) => {
        const file = b.file(prefix + key);
        if (data instanceof Uint8Array) {
          // A copy: the caller may reuse its buffer while the upload runs.
          const bytes = data.slice();
          if (bytes.length < threshold) {
            await file.save(bytes, { resumable: false, contentType: "application/octet-stream" });
          } else {
            await pipeline(
              Readable.from([bytes]),
              file.createWriteStream({ resumable: true, chunkSize }),
            );
          }
          return { key, size: bytes.length };
        }
        let size = 0;
        const counted = data.pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              size += chunk.length;
              controller.enqueue(chunk);
            },
          }),
        );
        // The upload is finalized only after the last chunk: a failing source leaves the
        // previous value (or nothing) in place.
        await pipeline(
          Readable.fromWeb(counted as never),
          file.createWriteStream({ resumable: true, chunkSize }),
        );
        return { key, size };
      });
    },
    async has(key) {
      assertBlobKey(key);
      return await call("Cannot check", key, async (b) => (await generationOf(b, key)) !== null);
    },
    async delete(key) {
      assertBlobKey(key);
      await call("Cannot delete", key, async (b) => {
        try {
          await b.file(prefix + key).delete();
        } catch (err) {
          if (statusOf(err) !== 404 || isBucketMissing(err)) throw err;
        }
      });
    },
    async *list(listPrefix = "") {
      assertBlobPrefix(listPrefix);
      const b = await bucket().catch((err) => {
        throw describe(err, `Cannot list '${listPrefix}' in ${where}`);
      });
      let pageToken: string | undefined;
      do {
        let files, next;
        try {
          [files, next] = await b.getFiles({
            prefix: prefix + listPrefix,
            autoPaginate: false,
            pageToken,
          });
        } catch (err) {
          throw describe(err, `Cannot list '${listPrefix}' in ${where}`);
        }
        for (const f of files) {
          yield { key: f.name.slice(prefix.length), size: Number(f.metadata.size ?? 0) };
        }
        pageToken = (next as { pageToken?: string } | null)?.pageToken;
      } while (pageToken);
    },
  };
}

function withoutKeyFileWarning<T>(construct: () => T): T {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!/^The `keyFilename` option is deprecated/.test(String(args[0]))) warn(...args);
  };
  try {
    return construct();
  } finally {
    console.warn = warn;
  }
}

function statusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown })?.code;
  return typeof code === "number" ? code : undefined;
}

function isBucketMissing(err: unknown): boolean {
  return /bucket does not exist/i.test((err as Error)?.message ?? "");
}

function describe(err: unknown, what: string): Error {
  if (err instanceof TypeError) return err;
  const status = statusOf(err);
  const reason = isBucketMissing(err)
    ? "the bucket does not exist"
    : status === 401 || status === 403
    ? "access denied (check the service-account key and its roles)"
    : (err as Error)?.message?.split("\n")[0] ?? String(err);
  return new Error(`${what}: ${reason}`, { cause: err });
}
