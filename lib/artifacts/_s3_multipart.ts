/** Multipart upload of a PartReader: one part uploading while the next is read, aborted on failure. */
import type { CompletedPart, S3Client } from "@aws-sdk/client-s3";
import type { PartReader } from "./_streams.ts";

const MAX_PARTS = 10_000;

/** What uploadMultipart needs from the store. */
export interface MultipartJob {
  sdk: typeof import("@aws-sdk/client-s3");
  client: S3Client;
  bucket: string;
  key: string;
  partSize: number;
  parts: PartReader;
  /** The store's retrying, error-mapping request runner. */
  call<T>(op: string, key: string | undefined, fn: () => Promise<T>): Promise<T>;
}

/**
 * Uploads everything the reader yields as one object and returns its size. Memory holds at most
 * two parts (the one in flight and the one being read); S3 shows the object only on completion.
 */
export async function uploadMultipart(job: MultipartJob): Promise<number> {
  const { sdk, client, bucket, key, partSize, parts, call } = job;
  const created = await call(
    "start multipart upload of",
    key,
    () => client.send(new sdk.CreateMultipartUploadCommand({ Bucket: bucket, Key: key })),
  );
  const UploadId = created.UploadId!;
  const done: CompletedPart[] = [];
  let inflight: Promise<void> | undefined;
  let size = 0;
  try {
    for (let n = 1;; n++) {
      const body = await parts.next(partSize);
      if (body === null) break;
      if (n > MAX_PARTS) {
        throw new RangeError(
          `Cannot store '${key}' in S3: larger than ${MAX_PARTS} parts of ${partSize} bytes; ` +
            "raise partSizeBytes",
        );
      }
      size += body.length;
      if (inflight) await inflight;
      inflight = call(`upload part ${n} of`, key, async () => {
        const out = await client.send(
          new sdk.UploadPartCommand({
            Bucket: bucket,
            Key: key,
            UploadId,
            PartNumber: n,
            Body: body,
            ContentLength: body.length,
          }),
        );
        done.push({ ETag: out.ETag, PartNumber: n });
      }).finally(() => parts.release(body));
    }
    await inflight;
    done.sort((a, b) => a.PartNumber! - b.PartNumber!);
    await call("complete multipart upload of", key, () =>
      client.send(
        new sdk.CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId,
          MultipartUpload: { Parts: done },
        }),
      ));
    return size;
  } catch (err) {
    await inflight?.catch(() => {});
    // Best effort: an upload left open costs storage until a bucket lifecycle rule reaps it.
    await call("abort multipart upload of", key, () =>
      client.send(
        new sdk.AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId }),
      )).catch(() => {});
    throw err;
  }
}
