/** S3 BlobStore (AWS or any S3-compatible endpoint): multipart streaming, retries, clear errors. */
import type { S3Client } from "@aws-sdk/client-s3";
import { assertBlobKey, type BlobInfo } from "./blob_store.ts";
import type { StreamingBlobStore } from "./streaming_blob_store.ts";
import { assertBlobPrefix } from "./_keys.ts";
import { retry } from "./_retry.ts";
import { describeS3Error, isNoSuchBucket, isNotFound, isTransientS3Error } from "./_s3_errors.ts";
import { PartReader } from "./_streams.ts";
import { uploadMultipart } from "./_s3_multipart.ts";
import { importOptional } from "../optional_import.ts";

type S3Sdk = typeof import("@aws-sdk/client-s3");

const MiB = 1024 * 1024;
const MIN_PART = 5 * MiB; // S3's smallest allowed part (all but the last)
const MAX_PART = 5 * 1024 * MiB;

/** Options for s3BlobStore. Credentials and endpoint come from the caller's config, never the env. */
export interface S3BlobStoreOptions {
  bucket: string;
  /** Prepended to every key, e.g. "strata/". @default "" */
  prefix?: string;
  /** @default "us-east-1" */
  region?: string;
  /** Custom endpoint for S3-compatible servers (MinIO, s3rver, R2...). @default AWS */
  endpoint?: string;
  /** Path-style addressing (bucket in the path). @default true when endpoint is set */
  forcePathStyle?: boolean;
  /** Static credentials. @default the AWS SDK's provider chain */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Values larger than this go up as a multipart upload. @default 16 MiB */
  multipartThresholdBytes?: number;
  /** Size of each multipart part (5 MiB to 5 GiB); at most 10,000 parts. @default 8 MiB */
  partSizeBytes?: number;
  /** Tries per S3 request, the first included, for transient failures. @default 4 */
  maxAttempts?: number;
  /** First retry delay ceiling; doubles per attempt, capped at 5 s, full jitter. @default 100 */
  retryBaseDelayMs?: number;
  /** A ready client (tests, shared pools); the store then never destroys it. */
  client?: S3Client;
}

/** A StreamingBlobStore backed by S3; `close` releases the client's sockets if the store made it. */
export interface S3BlobStore extends StreamingBlobStore {
  close(): void;
}

/** Creates an S3-backed blob store; the SDK is loaded on first use, so importing this is cheap. */
export function s3BlobStore(options: S3BlobStoreOptions): S3BlobStore {
  const o = resolveOptions(options);
  const endpointLabel = o.endpoint ?? `https://s3.${o.region}.amazonaws.com`;
  let loading: Promise<{ sdk: S3Sdk; client: S3Client }> | undefined;
  let owned: S3Client | undefined;
  let bucketChecked = false;

  function load() {
    return loading ??= (async () => {
      const sdk = await importOptional<S3Sdk>("@aws-sdk/client-s3"); // lazily fetched
      const client = o.client ?? (owned = new sdk.S3Client({
        region: o.region,
        endpoint: o.endpoint,
        forcePathStyle: o.forcePathStyle,
        credentials: o.credentials,
        // Retries happen in this store (one layer, with our classification and messages).
        maxAttempts: 1,
        // Otherwise S3-compatible servers may store aws-chunked framing inside the object.
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
      }));
      return { sdk, client };
    })();
  }

  /** Runs one S3 request with retries and maps its final failure to a clear error. */
  async function call<T>(op: string, key: string | undefined, fn: () => Promise<T>): Promise<T> {
    let attempts = 0;
    try {
      return await retry(() => {
        attempts++;
        return fn();
      }, {
        maxAttempts: o.maxAttempts,
        baseDelayMs: o.retryBaseDelayMs,
        maxDelayMs: 5000,
        isTransient: isTransientS3Error,
      });
    } catch (err) {
      throw describeS3Error(err, { bucket: o.bucket, endpoint: endpointLabel, op, key, attempts });
    }
  }

  function objectKey(key: string): string {
    assertBlobKey(key);
    return o.prefix + key;
  }

  async function prepare(key: string) {
    const Key = objectKey(key);
    const { sdk, client } = await load();
    return { Key, sdk, client };
  }

  async function get(key: string): Promise<Uint8Array | null> {
    const { Key, sdk, client } = await prepare(key);
    return await call("get", Key, async () => {
      try {
        const out = await client.send(new sdk.GetObjectCommand({ Bucket: o.bucket, Key }));
        // Reading the body sits inside the retry: a connection cut mid-body is transient too.
        return await out.Body!.transformToByteArray();
      } catch (err) {
        if (isNotFound(err)) return null;
        throw err;
      }
    });
  }

  async function getStream(key: string): Promise<ReadableStream<Uint8Array> | null> {
    const { Key, sdk, client } = await prepare(key);
    return await call("get", Key, async () => {
      try {
        const out = await client.send(new sdk.GetObjectCommand({ Bucket: o.bucket, Key }));
        return out.Body!.transformToWebStream() as ReadableStream<Uint8Array>;
      } catch (err) {
        if (isNotFound(err)) return null;
        throw err;
      }
    });
  }

  async function has(key: string): Promise<boolean> {
    const { Key, sdk, client } = await prepare(key);
    const found = await call("check", Key, async () => {
      try {
        await client.send(new sdk.HeadObjectCommand({ Bucket: o.bucket, Key }));
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    });
    // HEAD answers a bare 404 for a missing bucket too; tell the two apart once.
    if (!found && !bucketChecked) {
      await call("check", undefined, async () => {
        try {
          await client.send(new sdk.HeadBucketCommand({ Bucket: o.bucket }));
        } catch (err) {
          if (isNotFound(err) || isNoSuchBucket(err)) {
            throw Object.assign(new Error("The specified bucket does not exist"), {
              name: "NoSuchBucket",
              cause: err,
            });
          }
          throw err;
        }
      });
      bucketChecked = true;
    }
    return found;
  }

  async function put(
    key: string,
    data: Uint8Array | ReadableStream<Uint8Array>,
  ): Promise<BlobInfo> {
    const Key = objectKey(key);
    const parts = new PartReader(data);
    try {
      const { sdk, client } = await load();
      if (await parts.fill(o.multipartThresholdBytes)) {
        const Body = parts.takeAll();
        await call("put", Key, () =>
          client.send(
            new sdk.PutObjectCommand({ Bucket: o.bucket, Key, Body, ContentLength: Body.length }),
          ));
        return { key, size: Body.length };
      }
      const size = await uploadMultipart({
        sdk,
        client,
        bucket: o.bucket,
        key: Key,
        partSize: o.partSizeBytes,
        parts,
        call,
      });
      return { key, size };
    } catch (err) {
      await parts.cancel(err);
      throw err;
    }
  }

  async function remove(key: string): Promise<void> {
    const { Key, sdk, client } = await prepare(key);
    await call(
      "delete",
      Key,
      () => client.send(new sdk.DeleteObjectCommand({ Bucket: o.bucket, Key })),
    );
  }

  async function* list(prefix = ""): AsyncIterable<BlobInfo> {
    assertBlobPrefix(prefix);
    const { sdk, client } = await load();
    const Prefix = o.prefix + prefix;
    let ContinuationToken: string | undefined;
    do {
      const page = await call(
        "list",
        Prefix,
        () =>
          client.send(
            new sdk.ListObjectsV2Command({ Bucket: o.bucket, Prefix, ContinuationToken }),
          ),
      );
      for (const item of page.Contents ?? []) {
        const key = item.Key!.slice(o.prefix.length);
        if (isValidKey(key)) yield { key, size: item.Size ?? 0 }; // skips folder markers etc.
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  function close(): void {
    owned?.destroy();
  }

  return { get, getStream, put, has, delete: remove, list, close };
}

function isValidKey(key: string): boolean {
  try {
    assertBlobKey(key);
    return true;
  } catch {
    return false;
  }
}

function resolveOptions(options: S3BlobStoreOptions) {
  const { bucket, prefix = "", region = "us-east-1", endpoint } = options;
  if (typeof bucket !== "string" || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new TypeError(`s3BlobStore: bucket ${JSON.stringify(bucket)} is not a valid bucket name`);
  }
  if (prefix !== "") assertBlobPrefix(prefix);
  if (endpoint !== undefined && !URL.canParse(endpoint)) {
    throw new TypeError(`s3BlobStore: endpoint '${endpoint}' is not a URL`);
  }
  const partSizeBytes = options.partSizeBytes ?? 8 * MiB;
  const multipartThresholdBytes = options.multipartThresholdBytes ?? 16 * MiB;
  const maxAttempts = options.maxAttempts ?? 4;
  const retryBaseDelayMs = options.retryBaseDelayMs ?? 100;
  checkInt("partSizeBytes", partSizeBytes, MIN_PART, MAX_PART);
  checkInt("multipartThresholdBytes", multipartThresholdBytes, partSizeBytes, MAX_PART);
  checkInt("maxAttempts", maxAttempts, 1, 20);
  checkInt("retryBaseDelayMs", retryBaseDelayMs, 0, 60_000);
  return {
    bucket,
    prefix,
    region,
    endpoint,
    forcePathStyle: options.forcePathStyle ?? endpoint !== undefined,
    credentials: options.credentials,
    client: options.client,
    partSizeBytes,
    multipartThresholdBytes,
    maxAttempts,
    retryBaseDelayMs,
  };
}

function checkInt(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `s3BlobStore: ${name} must be an integer in [${min}, ${max}], got ${value}`,
    );
  }
}
