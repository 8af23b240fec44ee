/** Opens the configured blob backend: a local folder, S3, Azure Blob Storage or Google Cloud Storage. */
import type { Config } from "../config/resolve.ts";
import type { BlobStore } from "./blob_store.ts";
import { fsBlobStore } from "./fs_blob_store.ts";
import { importOptional } from "../optional_import.ts";

/**
 * The artifact blob store for a configuration (credentials from `config.credentials`). The cloud
 * stores' modules load only when one is configured (lib/artifacts/cloud_stores.ts).
 */
export async function openBlobStore(config: Config): Promise<BlobStore> {
  if (config.artifactBlobBackend === "local") return fsBlobStore(config.artifactDir!);
  const { azureBlobStore, gcsBlobStore, s3BlobStore } = await importOptional<
    typeof import("./cloud_stores.ts")
  >("strata:cloud-blob-stores");
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
  if (config.artifactBlobBackend === "azure") {
    // Credentials as the Azure CLI names them: a connection string, or account name + key.
    const azure = config.credentials.azure;
    return azureBlobStore({
      container: config.azure.container!,
      prefix: config.azure.prefix,
      connectionString: azure.connectionString,
      endpoint: config.azure.endpoint ??
        (azure.accountName ? `https://${azure.accountName}.blob.core.windows.net` : undefined),
      accountName: azure.accountName,
      accountKey: azure.accountKey,
    });
  }
  if (config.artifactBlobBackend === "gcs") {
    return gcsBlobStore({
      bucket: config.gcs.bucket!,
      prefix: config.gcs.prefix,
      endpoint: config.gcs.endpoint,
      projectId: config.gcs.project,
      keyFilename: config.credentials.gcp.keyFile,
    });
  }
  return fsBlobStore(config.artifactDir!);
}
