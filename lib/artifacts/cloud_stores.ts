/**
 * The cloud blob stores, loaded only when configured (lib/artifacts/open.ts through
 * lib/optional_import.ts): their modules use node:stream and node:events, which cost ≈45 ms and
 * ≈5 MiB to load, and a local-folder start needs neither (issue 20).
 */
export { s3BlobStore } from "./s3_blob_store.ts";
export { azureBlobStore } from "./azure_blob_store.ts";
export { gcsBlobStore } from "./gcs_blob_store.ts";
