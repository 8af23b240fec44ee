/** Opens the configured blob backend: a local folder or S3. */
import type { Config } from "../config/resolve.ts";
import type { BlobStore } from "./blob_store.ts";
import { fsBlobStore } from "./fs_blob_store.ts";
import { s3BlobStore } from "./s3_blob_store.ts";

/** The artifact blob store for a configuration (S3 credentials from `config.credentials.aws`). */
export function openBlobStore(config: Config): BlobStore {
  if (config.artifactBlobBackend === "s3") {
    const aws = config.credentials.aws;
    return s3BlobStore({
      bucket: config.s3.bucket!,
      prefix: config.s3.prefix,
      region: aws.region ?? config.s3.region,
      endpoint: config.s3.endpoint,
      forcePathStyle: config.s3.forcePathStyle || undefined,
      credentials: aws.accessKeyId && aws.secretAccessKey
        ? {
          accessKeyId: aws.accessKeyId,
          secretAccessKey: aws.secretAccessKey,
          sessionToken: aws.sessionToken,
        }
        : undefined,
    });
  }
  return fsBlobStore(config.artifactDir!);
}
