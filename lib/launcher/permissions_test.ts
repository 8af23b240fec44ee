import assert from "node:assert/strict";
import { loadConfig } from "../config/load.ts";
import {
  commandPermissionFlags,
  GCS_ENV,
  SERVER_ENV,
  serverPermissionFlags,
} from "./permissions.ts";

const CTX = { denoPath: "/opt/deno", codeRoot: "/app", env: {} };

function flagsFor(env: Record<string, string>) {
  const flags = serverPermissionFlags(loadConfig({ HOME: "/home/u", ...env }).config, CTX);
  return Object.fromEntries(flags.map((f) => f.slice(2).split("=", 2) as [string, string]));
}

/** Deno's caches of the cell modules (the executor removes them; executor/deno_cache.ts). */
const DENO_CACHE = "/home/u/.cache/deno/gen/file/home/u/.strata/tmp," +
  "/home/u/.cache/deno/v8_code_cache_v2,/home/u/.cache/deno/dep_analysis_cache_v2";

Deno.test("permissions - personal mode may only listen on the loopback address", () => {
  const f = flagsFor({});
  assert.equal(f["allow-net"], "127.0.0.1:8765");
  assert.equal(
    f["allow-write"],
    `/home/u/.strata,/home/u/.strata/notebooks,/home/u/.strata/artifacts,${DENO_CACHE}`,
  );
  // DENO_DIR is readable (the cleanup reads its databases) but only those three are writable.
  assert.ok(f["allow-read"].split(",").includes("/home/u/.cache/deno"));
  assert.equal(f["allow-run"], "/opt/deno");
  // Only to lower its cell children's CPU priority (lib/executor/child.ts, lowerPriority).
  assert.equal(f["allow-sys"], "setPriority");
  assert.ok(!f["allow-env"].split(",").includes("*"));
});

Deno.test("permissions - configured outbound hosts, database and S3 endpoint are added", () => {
  const f = flagsFor({
    STRATA_DATABASE_URL: "postgres://strata@db.internal:6543/strata",
    STRATA_ARTIFACT_BLOB_BACKEND: "s3",
    STRATA_S3_BUCKET: "artifacts",
    STRATA_S3_ENDPOINT: "http://127.0.0.1:9000",
    STRATA_OUTBOUND_HOSTS: "vault.internal:8200",
  });
  assert.deepEqual(f["allow-net"].split(","), [
    "127.0.0.1:8765",
    "db.internal:6543",
    "127.0.0.1:9000",
    "vault.internal:8200",
  ]);
  assert.equal(f["allow-sys"], "osRelease,setPriority");
});

Deno.test("permissions - a CLI command gets no listen address, and read/write on its notebook folder", () => {
  const { config } = loadConfig({ HOME: "/home/u" });
  const flags = commandPermissionFlags(config, CTX, ["/work/nb"]);
  const f = Object.fromEntries(flags.map((x) => x.slice(2).split("=", 2) as [string, string]));
  assert.ok(!("allow-net" in f), "no net at all without a database, S3 or outbound host");
  assert.equal(
    f["allow-write"],
    `/home/u/.strata,/home/u/.strata/notebooks,/home/u/.strata/artifacts,/work/nb,${DENO_CACHE}`,
  );
  assert.ok(f["allow-read"].split(",").includes("/work/nb"));
  const pg = commandPermissionFlags(
    loadConfig({ HOME: "/home/u", STRATA_DATABASE_URL: "postgres://db:5432/s" }).config,
    CTX,
    [],
  );
  assert.ok(pg.includes("--allow-net=db:5432"));
});

Deno.test("permissions - [cluster] adds exactly the NATS addresses, and its token is no worker token", () => {
  const f = flagsFor({
    STRATA_CLUSTER: JSON.stringify({ nats_url: "nats://nats-a.internal:4222,nats-b.internal" }),
    STRATA_NATS_TOKEN: "nats-secret-token",
  });
  assert.deepEqual(f["allow-net"].split(","), [
    "127.0.0.1:8765",
    "nats-a.internal:4222",
    "nats-b.internal:4222",
  ]);
  const { config } = loadConfig({
    HOME: "/home/u",
    STRATA_CLUSTER: JSON.stringify({ nats_url: "nats://127.0.0.1:4222" }),
    STRATA_NATS_TOKEN: "nats-secret-token",
  });
  assert.equal(config.cluster?.token, "nats-secret-token");
  // `[[workers]] token_env` cannot name it: the NATS credential never goes to an HTTP worker.
  assert.ok(!("STRATA_NATS_TOKEN" in config.credentials.workerTokens));
  assert.throws(
    () => loadConfig({ HOME: "/home/u", STRATA_CLUSTER: JSON.stringify({ nats_url: "http://x" }) }),
    /cluster .*must be nats:\/\/host:port/,
  );
});

Deno.test("permissions - Azure blob endpoint and OTLP collector are added only when configured", () => {
  const serverFlags = (env: Record<string, string>, credentials: Record<string, string> = {}) => {
    const flags = serverPermissionFlags(
      loadConfig({ HOME: "/home/u", ...env, ...credentials }).config,
      CTX,
    );
    return Object.fromEntries(flags.map((f) => f.slice(2).split("=", 2) as [string, string]));
  };
  const azure = { STRATA_ARTIFACT_BLOB_BACKEND: "azure", STRATA_AZURE_CONTAINER: "artifacts" };
  assert.equal(
    serverFlags(azure, { AZURE_STORAGE_ACCOUNT: "acct" })["allow-net"],
    "127.0.0.1:8765,acct.blob.core.windows.net:443",
  );
  assert.equal(
    serverFlags(azure, {
      AZURE_STORAGE_CONNECTION_STRING:
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=eA==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;",
    })["allow-net"],
    "127.0.0.1:8765,127.0.0.1:10000",
  );
  // The Azure SDK enumerates the environment at import; the launcher's clearEnv keeps that to
  // the SERVER_ENV variables, which include the Azure credentials.
  assert.equal(serverFlags(azure)["allow-env"], undefined);
  assert.ok("allow-env" in serverFlags(azure));
  assert.ok(SERVER_ENV.includes("AZURE_STORAGE_*"));
  assert.equal(
    serverFlags({
      STRATA_TRACING_ENABLED: "true",
      STRATA_TRACING_OTLP_ENDPOINT: "http://otel:4318",
    })[
      "allow-net"
    ],
    "127.0.0.1:8765,otel:4318",
  );
  assert.equal(
    serverFlags({ STRATA_TRACING_OTLP_ENDPOINT: "http://otel:4318" })["allow-net"],
    "127.0.0.1:8765",
  );
});

Deno.test("permissions - GCS grants its endpoint, key file and client variables only when configured", () => {
  const gcs = { STRATA_ARTIFACT_BLOB_BACKEND: "gcs", STRATA_GCS_BUCKET: "artifacts" };
  const key = { GOOGLE_APPLICATION_CREDENTIALS: "/secrets/sa.json" };
  const real = flagsFor({ ...gcs, ...key });
  assert.equal(
    real["allow-net"],
    "127.0.0.1:8765,storage.googleapis.com:443,oauth2.googleapis.com:443",
  );
  assert.ok(real["allow-read"].split(",").includes("/secrets/sa.json"));
  for (const name of GCS_ENV) assert.ok(real["allow-env"].split(",").includes(name), name);
  // Deno's node:https needs sys "ca", which a listed --allow-sys cannot name.
  assert.ok("allow-sys" in real);
  assert.equal(real["allow-sys"], undefined);

  const emulator = flagsFor({ ...gcs, STRATA_GCS_ENDPOINT: "http://127.0.0.1:4443" });
  assert.equal(emulator["allow-net"], "127.0.0.1:8765,127.0.0.1:4443");
  assert.equal(emulator["allow-sys"], "setPriority", "a plain-http emulator needs no more sys");
  assert.ok(!emulator["allow-read"].includes("sa.json"));

  // The key file path is never readable, nor the client's variables set, for other backends.
  const local = flagsFor(key);
  assert.ok(!local["allow-read"].includes("/secrets/sa.json"));
  assert.ok(!local["allow-env"].split(",").includes("STORAGE_EMULATOR_HOST"));
  assert.ok(!local["allow-net"].includes("googleapis"));
});

Deno.test("permissions - the launcher grants the kill(1) the executor runs", async () => {
  // The launcher keeps its own lookup (lib/launcher/kill_path.ts) so it need not load the executor.
  const { KILL_PATH } = await import("./kill_path.ts");
  const { KILL_PATH: executorKill } = await import("../executor/child.ts");
  assert.equal(KILL_PATH, executorKill);
});

Deno.test("launch - the relaunch gets the launcher's DENO_V8_FLAGS; the tasks set the tuning", async () => {
  // V8 rejects a code cache written under other flags: the launcher and the server it relaunches
  // share cached code only when both run with the same V8 flags.
  const { V8_FLAGS, relaunchEnv } = await import("./launch.ts");
  const config = loadConfig({ HOME: "/home/u" }).config;
  const env = relaunchEnv(config, { HOME: "/home/u", DENO_V8_FLAGS: V8_FLAGS, SECRET_X: "s" });
  assert.equal(env.DENO_V8_FLAGS, V8_FLAGS);
  assert.equal(env.SECRET_X, undefined);
  // Not among the names the server reads itself (it has no permission to read DENO_V8_FLAGS).
  assert.ok(!env.STRATA_ENV_NAMES.split(",").includes("DENO_V8_FLAGS"));
  assert.equal(relaunchEnv(config, { HOME: "/home/u" }).DENO_V8_FLAGS, undefined);
  // Deno's own update check (a DNS query and an https fetch after start) is off in the relaunch.
  assert.equal(env.DENO_NO_UPDATE_CHECK, "1");
  assert.ok(!env.STRATA_ENV_NAMES.split(",").includes("DENO_NO_UPDATE_CHECK"));
  const tasks = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)))
    .tasks;
  assert.ok(tasks.start.startsWith(`DENO_V8_FLAGS=${V8_FLAGS} deno run `), tasks.start);
  // start.ts loads no npm package itself (node_modules_test.ts) and installs the launcher's.
  assert.ok(tasks.start.includes(" --node-modules-dir=manual "), tasks.start);
  assert.ok(tasks.strata.startsWith(`DENO_V8_FLAGS=${V8_FLAGS} deno run `), tasks.strata);
  const docker = await Deno.readTextFile(new URL("../../Dockerfile", import.meta.url));
  assert.ok(docker.includes(`DENO_V8_FLAGS=${V8_FLAGS}`));
});

Deno.test("launch - the relaunched module's path is decoded from its file URL", async () => {
  const { modulePath } = await import("./launch.ts");
  assert.equal(modulePath("file:///opt/my%20strata/main.ts"), "/opt/my strata/main.ts");
  assert.equal(modulePath(new URL("file:///opt/a b/main.ts").href), "/opt/a b/main.ts");
});
