// Part of the single-file build: the optional packages (lib/optional_import.ts) registered before
// main.ts runs, since a bundle has no import map for a lazy import to use. The literal dynamic
// imports are bundled in, and still evaluated only when first used.
import { provideOptional } from "../lib/optional_import.ts";

provideOptional("@aws-sdk/client-s3", () => import("@aws-sdk/client-s3"));
provideOptional("@azure/storage-blob", () => import("@azure/storage-blob"));
provideOptional("@google-cloud/storage", () => import("@google-cloud/storage"));
provideOptional("@infisical/sdk", () => import("@infisical/sdk"));
provideOptional("postgres", () => import("postgres"));
provideOptional("strata:mcp", () => import("../lib/mcp/entry.ts"));
provideOptional("openai", () => import("openai"));
provideOptional("strata:cluster", () => import("../lib/cluster/open.ts"));
provideOptional("strata:nats-worker", () => import("../lib/cluster/worker_process.ts"));
provideOptional("strata:features", () => import("../routes/features.ts"));
provideOptional("strata:cli", () => import("../lib/cli/mod.ts"));
provideOptional("strata:cloud-blob-stores", () => import("../lib/artifacts/cloud_stores.ts"));
provideOptional("strata:run-path", () => import("../lib/server/run_path.ts"));
