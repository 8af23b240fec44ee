/**
 * Optional npm packages, loaded on first use: the S3 client, the Infisical SDK and the
 * PostgreSQL driver are needed only when configured, so a personal-mode start must not download
 * them. Deno fetches every *literal* `import("pkg")` when it builds the module graph, so the
 * specifier is passed through this function instead; Deno then fetches the package the first
 * time the code path runs. The single-file build (scripts/build.ts) bundles them and registers
 * them here with provideOptional, since a bundle has no import map to resolve them at run time.
 */

/** The packages loaded this way (each is in deno.json's imports). */
export type OptionalPackage =
  | "@aws-sdk/client-s3"
  | "@azure/storage-blob"
  | "@google-cloud/storage"
  | "@infisical/sdk"
  | "postgres"
  | "openai"
  /** Strata's own MCP stack (lib/mcp/entry.ts), which pulls in the MCP SDK. */
  | "strata:mcp"
  /** The NATS executor (lib/cluster/open.ts) and worker (worker_process.ts): the NATS client. */
  | "strata:cluster"
  | "strata:nats-worker"
  /**
   * Issue 20 (start-up): modules the server needs only after it is ready. Deno's module graph
   * follows literal dynamic imports too (it reads and analyses every module they reach at start,
   * measured ≈100 ms of CPU for the API's graph), so these go through here as well.
   * The feature routes (API, WebSocket, MCP, pages): loaded on the first non-probe request.
   */
  | "strata:features"
  /** The S3, Azure and GCS blob stores (lib/artifacts/cloud_stores.ts), when configured. */
  | "strata:cloud-blob-stores"
  /** The CLI's command modules (`main.ts` with anything but the relaunched `serve`). */
  | "strata:cli"
  /**
   * The executor, runtime and notebook session (lib/server/run_path.ts): loaded on the first
   * notebook open or cell run (lib/services.ts).
   */
  | "strata:run-path";

/** Local modules loaded the same way, relative to this file. */
const LOCAL: Partial<Record<OptionalPackage, string>> = {
  "strata:mcp": "./mcp/entry.ts",
  "strata:cluster": "./cluster/open.ts",
  "strata:nats-worker": "./cluster/worker_process.ts",
  "strata:features": "../routes/features.ts",
  "strata:cli": "./cli/mod.ts",
  "strata:cloud-blob-stores": "./artifacts/cloud_stores.ts",
  "strata:run-path": "./server/run_path.ts",
};

const provided = new Map<OptionalPackage, () => Promise<unknown>>();

/**
 * Makes `specifier` resolve through `load` (the single-file build: a bundled dynamic import,
 * still evaluated only on first use).
 */
export function provideOptional(specifier: OptionalPackage, load: () => Promise<unknown>): void {
  provided.set(specifier, load);
}

/**
 * Imports an optional package. Type it with `typeof import("pkg")` (a type-only reference,
 * which a run does not fetch):
 *
 * @example const sdk = await importOptional<typeof import("@aws-sdk/client-s3")>("@aws-sdk/client-s3");
 */
export async function importOptional<T>(specifier: OptionalPackage): Promise<T> {
  const load = provided.get(specifier);
  if (load) return await load() as T;
  const local = LOCAL[specifier];
  return await import(local ? new URL(local, import.meta.url).href : specifier) as T;
}
