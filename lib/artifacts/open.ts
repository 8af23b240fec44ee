/** Opens the configured blob backend: a local folder, S3 or Azure Blob Storage. */
import type { Config } from "../config/resolve.ts";
import type { BlobStore } from "./blob_store.ts";
import { fsBlobStore } from "./fs_blob_store.ts";
import { s3BlobStore } from "./s3_blob_store.ts";
import { azureBlobStore } from "./azure_blob_store.ts";

/** The artifact blob store for a configuration; S3 credentials come from the AWS_* environment. */
export function openBlobStore(config: Config, env: Record<string, string | undefined>): BlobStore {
  if (config.artifactBlobBackend === "s3") {
    const id = env.AWS_ACCESS_KEY_ID;
    const secret = env.AWS_SECRET_ACCESS_KEY;
    return s3BlobStore({
      bucket: config.s3.bucket!,
      prefix: config.s3.prefix,
      region: env.AWS_REGION ?? config.s3.region,
      endpoint: config.s3.endpoint,
      forcePathStyle: config.s3.forcePathStyle || undefined,
      credentials: id && secret
        ? { accessKeyId: id, secretAccessKey: secret, sessionToken: env.AWS_SESSION_TOKEN }
        : undefined,
    });
  }
  if (config.artifactBlobBackend === "azure") {
    // Credentials as the Azure CLI names them: a connection string, or account name + key.
    const connectionString = env.AZURE_STORAGE_CONNECTION_STRING;
    const accountName = env.AZURE_STORAGE_ACCOUNT;
    return azureBlobStore({
      container: config.azure.container!,
      prefix: config.azure.prefix,
      connectionString: connectionString || undefined,
      endpoint: config.azure.endpoint ??
        (accountName ? `https://${accountName}.blob.core.windows.net` : undefined),
      accountName,
      accountKey: env.AZURE_STORAGE_KEY,
    });
  }
  return fsBlobStore(config.artifactDir!);
}
