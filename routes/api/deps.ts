/** What the API routes need: the command pipeline, and the config for surface-level choices. */
import type { BlobStore } from "../../lib/artifacts/blob_store.ts";
import type { CommandTable, Dispatcher } from "../../lib/commands/mod.ts";
import type { Config } from "../../lib/config/resolve.ts";

/** Dependencies of the API and page routes. */
export interface ApiDeps {
  config: Config;
  /** Every operation goes through it: routes decode, dispatch and shape the answer. */
  dispatcher: Dispatcher<CommandTable>;
  /** For streaming an artifact's bytes once `stream.read` has authorized it. */
  blobs: BlobStore;
}
