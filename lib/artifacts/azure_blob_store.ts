/**
 * Azure Blob Storage backend (`@azure/storage-blob`, loaded on first use). Blobs are block blobs
 * under `<prefix><key>` in one container. A put is one upload (small values) or blocks staged on a
 * temporary blob (`<prefix>.tmp/<uuid>`, hidden from list) committed at the end and copied over
 * the key (streams, large values), so a reader sees the old value or the whole new one, a failing
 * source commits nothing, and concurrent puts of one key do not discard each other's blocks. Works against Azure and Azurite (`endpoint` with the account
 * in its path, e.g. `http://127.0.0.1:10000/devstoreaccount1`).
 */
import { Readable } from "node:stream";
import { assertBlobKey, type BlobInfo } from "./blob_store.ts";
import { assertBlobPrefix } from "./_keys.ts";
import type { StreamingBlobStore } from "./streaming_blob_store.ts";
import { importOptional } from "../optional_import.ts";

type AzureSdk = typeof import("@azure/storage-blob");
type ContainerClient = import("@azure/storage-blob").ContainerClient;

/** Options for azureBlobStore. */
export interface AzureBlobStoreOptions {
  container: string;
  /** Name prefix inside the container. @default "" */
  prefix?: string;
  /** Account URL, e.g. `https://<account>.blob.core.windows.net` (or Azurite's). */
  endpoint?: string;
  /** Shared-key credentials; or a connection string instead of endpoint + credentials. */
  accountName?: string;
  accountKey?: string;
  connectionString?: string;
  /** Values at or above this size are uploaded as staged blocks. @default 8 MiB */
  blockSizeBytes?: number;
}

const AZURE_CONTAINER = /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/;

/** An Azure Blob Storage BlobStore; see the module comment. */
export function azureBlobStore(options: AzureBlobStoreOptions): StreamingBlobStore {
  if (!AZURE_CONTAINER.test(options.container)) {
    throw new TypeError(
      `Azure container '${options.container}' is not a valid name (3-63 lowercase letters, digits, single hyphens)`,
    );
  }
  if (
    !options.connectionString && !(options.endpoint && options.accountName && options.accountKey)
  ) {
    throw new TypeError(
      "Azure blob store needs a connection string, or an endpoint with account name and key",
    );
  }
  const prefix = options.prefix ?? "";
  if (prefix !== "") assertBlobPrefix(prefix);
  const blockSize = options.blockSizeBytes ?? 8 * 1024 * 1024;
  const where = `Azure container '${options.container}'`;
  let loading: Promise<ContainerClient> | undefined;

  function container(): Promise<ContainerClient> {
    return loading ??= (async () => {
      const sdk = await importOptional<AzureSdk>("@azure/storage-blob"); // lazily fetched
      const service = options.connectionString
        ? sdk.BlobServiceClient.fromConnectionString(options.connectionString)
        : new sdk.BlobServiceClient(
          options.endpoint!,
          new sdk.StorageSharedKeyCredential(options.accountName!, options.accountKey!),
        );
      return service.getContainerClient(options.container);
    })();
  }

  async function call<T>(what: string, key: string, fn: (c: ContainerClient) => Promise<T>) {
    try {
      return await fn(await container());
    } catch (err) {
      throw describe(err, `${what} '${key}' in ${where}`);
    }
  }

  async function download(key: string) {
    assertBlobKey(key);
    return await call("Cannot read", key, async (c) => {
      try {
        return await c.getBlockBlobClient(prefix + key).download();
      } catch (err) {
        if (statusOf(err) === 404 && !isContainerMissing(err)) return null;
        throw err;
      }
    });
  }

  return {
    async get(key) {
      const res = await download(key);
      if (!res?.readableStreamBody) return res ? new Uint8Array() : null;
      const chunks: Uint8Array[] = [];
      for await (const chunk of res.readableStreamBody as AsyncIterable<Uint8Array>) {
        chunks.push(chunk);
      }
      return concat(chunks);
    },
    async getStream(key) {
      const res = await download(key);
      if (!res) return null;
      if (!res.readableStreamBody) return new Blob([]).stream();
      return Readable.toWeb(res.readableStreamBody as Readable) as ReadableStream<Uint8Array>;
    },
    async put(key, data): Promise<BlobInfo> {
      assertBlobKey(key);
      return await call("Cannot write", key, async (c) => {
        const blob = c.getBlockBlobClient(prefix + key);
        // Staged uploads go to a private temporary blob, committed there, then copied over the
        // key. Staging on the key itself would race: a concurrent put of the same key discards
        // another writer's uncommitted blocks, and that writer's commit then fails.
        const staged = async (upload: (temp: typeof blob) => Promise<unknown>) => {
          const temp = c.getBlockBlobClient(`${prefix}.tmp/${crypto.randomUUID()}`);
          try {
            await upload(temp);
            const poller = await blob.beginCopyFromURL(temp.url);
            await poller.pollUntilDone();
          } finally {
            await temp.deleteIfExists().catch(() => {});
          }
        };
        if (data instanceof Uint8Array) {
          // A copy: the caller may reuse its buffer while the upload runs.
          const bytes = data.slice();
          if (bytes.length < blockSize) await blob.upload(bytes, bytes.length); // one atomic PUT
          else await staged((temp) => temp.uploadData(bytes, { blockSize, concurrency: 4 }));
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
        // Committed on the temporary blob only after the last block: a source that fails leaves
        // the previous value (or nothing) in place.
        await staged((temp) => temp.uploadStream(Readable.fromWeb(counted as never), blockSize, 4));
        return { key, size };
      });
    },
    async has(key) {
      assertBlobKey(key);
      return await call("Cannot check", key, async (c) => {
        if (!(await c.exists())) throw containerMissing(options.container);
        return await c.getBlockBlobClient(prefix + key).exists();
      });
    },
    async delete(key) {
      assertBlobKey(key);
      await call("Cannot delete", key, async (c) => {
        try {
          await c.getBlockBlobClient(prefix + key).deleteIfExists();
        } catch (err) {
          if (statusOf(err) !== 404 || isContainerMissing(err)) throw err;
        }
      });
    },
    async *list(listPrefix = "") {
      assertBlobPrefix(listPrefix);
      const c = await container();
      try {
        for await (const item of c.listBlobsFlat({ prefix: prefix + listPrefix })) {
          if (item.name.startsWith(`${prefix}.tmp/`)) continue; // puts in progress
          yield { key: item.name.slice(prefix.length), size: item.properties.contentLength ?? 0 };
        }
      } catch (err) {
        throw describe(err, `Cannot list '${listPrefix}' in ${where}`);
      }
    },
  };
}

function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number })?.statusCode;
}

function isContainerMissing(err: unknown): boolean {
  const code = (err as { code?: string; details?: { errorCode?: string } })?.code ??
    (err as { details?: { errorCode?: string } })?.details?.errorCode;
  return code === "ContainerNotFound";
}

function containerMissing(container: string): Error {
  return Object.assign(new Error(`container '${container}' does not exist`), {
    code: "ContainerNotFound",
    statusCode: 404,
  });
}

function describe(err: unknown, what: string): Error {
  if (err instanceof TypeError) return err;
  const status = statusOf(err);
  const reason = isContainerMissing(err)
    ? "the container does not exist"
    : status === 403
    ? "access denied (check the account key or connection string)"
    : (err as Error)?.message?.split("\n")[0] ?? String(err);
  return new Error(`${what}: ${reason}`, { cause: err });
}

function concat(chunks: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const c of chunks) total += c.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
