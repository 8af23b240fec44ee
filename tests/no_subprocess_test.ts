// The Deno Deploy path: a server side with no subprocess permission at all (`--deny-run`), its
// metadata in PostgreSQL, its artifacts in S3 (s3rver) and its cells on a remote worker, runs a
// cascade and then serves it from the cache. The only local writes are the notebook's own files.
//
// The test process starts the worker, PostgreSQL database and s3rver, then re-runs this file
// with `deno run --deny-run` (the `import.meta.main` branch), which composes the session the way
// main.ts does with STRATA_EXECUTOR=remote and prints what happened as one JSON line.
import { createRuntime } from "../lib/runtime/runtime.ts";
import assert from "node:assert/strict";
import postgres from "postgres";
import { startS3rver } from "../lib/artifacts/_s3rver_fixture.ts";
import { s3BlobStore } from "../lib/artifacts/s3_blob_store.ts";
import { migrate } from "../lib/db/migrate.ts";
import { openDb } from "../lib/db/open.ts";
import { DEFAULT_TEST_PG_URL } from "../lib/db/testing.ts";
import { remoteExecutor } from "../lib/executor/remote.ts";
import { nullLogger } from "../lib/log.ts";
import { createNotebook } from "../lib/notebook/format.ts";
import { NotebookSession } from "../lib/session/notebook_session.ts";
import { freePort } from "./_server.ts";

const self = new URL(import.meta.url).pathname;
const workerEntry = new URL("../lib/worker/main.ts", import.meta.url).pathname;
const TOKEN = "no-subprocess-token-0123456789";

/** The server side, run under --deny-run: prints {spawn, first, second, texts} as JSON. */
async function serverSide(env: Record<string, string | undefined>): Promise<void> {
  let spawn = "allowed";
  try {
    new Deno.Command("true").spawn();
  } catch (err) {
    spawn = (err as Error).name;
  }
  const db = openDb({ databaseUrl: env.DB_URL, sqlitePath: "/nonexistent/strata.db" });
  await migrate(db);
  const blobs = s3BlobStore({
    bucket: "strata-deploy",
    prefix: "strata/",
    region: "us-east-1",
    endpoint: env.S3_ENDPOINT,
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
  });
  const executor = remoteExecutor({ name: "default", url: env.WORKER_URL!, token: TOKEN });
  const root = `${env.NOTEBOOK_DIR}/nb`;
  await createNotebook(root, { name: "deploy" });
  const deps = {
    runtime: createRuntime({
      db,
      blobs,
      executor,
      log: nullLogger(),
      denoVersion: Deno.version.deno,
      memoryMb: 256,
      defaultTimeoutSeconds: 30,
    }),
  };
  const session = await NotebookSession.open(root, {
    tenantId: "default",
    tenantHash: "t0",
    path: "nb",
  }, deps);
  await session.addCell({ source: "const rows = [1, 2, 3].map((n) => ({ n, sq: n * n }))" });
  const last = await session.addCell({ source: "rows.reduce((s, r) => s + r.sq, 0)" });
  const first = await session.execute(last);
  const second = await session.execute(last);
  const cells = session.state().cells;
  const texts = cells.map((c) => c.outputs?.displays[0]);
  const errors = cells.map((c) => JSON.stringify(c.outputs ?? null)).filter((o) =>
    o.includes('"error"')
  );
  console.log(JSON.stringify({
    spawn,
    first: first.cells.map((c) => [c.status, c.cacheHit]),
    second: second.cells.map((c) => [c.status, c.cacheHit]),
    texts,
    errors,
  }));
  await executor.close();
  await db.close();
}

Deno.test("no subprocess - under --deny-run, cells run on a remote worker with PostgreSQL and S3", async () => {
  const scratch = await Deno.makeTempDir({ prefix: "strata-worker-" });
  const notebooks = await Deno.makeTempDir({ prefix: "strata-deploy-nb-" });
  const s3 = await startS3rver(["strata-deploy"]);
  const adminUrl = Deno.env.get("STRATA_TEST_PG_URL") || DEFAULT_TEST_PG_URL;
  const dbName = `strata_deploy_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${dbName}`);
  const port = freePort();
  const worker = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", workerEntry, "--port", String(port), "--scratch-dir", scratch],
    env: {
      STRATA_WORKER_TOKEN: TOKEN,
      HOME: Deno.env.get("HOME") ?? scratch,
      PATH: Deno.env.get("PATH") ?? "",
    },
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  try {
    const reader = worker.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let log = "";
    while (!log.includes("Strata worker is ready")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`worker exited before ready:\n${log}`);
      log += value;
    }
    void (async () => {
      while (!(await reader.read()).done) { /* drain */ }
    })();

    const dbUrl = new URL(adminUrl);
    dbUrl.pathname = `/${dbName}`;
    const s3Host = new URL(s3.endpoint).host;
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--deny-run",
        "--no-prompt",
        `--allow-net=127.0.0.1:${port},${s3Host},${dbUrl.hostname}:${dbUrl.port || 5432}`,
        "--allow-read",
        `--allow-write=${notebooks}`,
        "--allow-env",
        "--allow-sys=osRelease",
        self,
      ],
      env: {
        DB_URL: dbUrl.href,
        S3_ENDPOINT: s3.endpoint,
        WORKER_URL: `http://127.0.0.1:${port}`,
        NOTEBOOK_DIR: notebooks,
        HOME: notebooks,
        PATH: Deno.env.get("PATH") ?? "",
      },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    assert.ok(out.success, new TextDecoder().decode(out.stderr) + stdout);
    const result = JSON.parse(stdout.trim().split("\n").at(-1)!);
    assert.equal(result.spawn, "NotCapable", "the server side cannot spawn processes");
    assert.deepEqual(
      result.first,
      [["ready", false], ["ready", false]],
      JSON.stringify(result.errors),
    );
    assert.deepEqual(result.second, [["ready", true], ["ready", true]]);
    assert.deepEqual(result.texts[1], { type: "text", data: "14" });
  } finally {
    worker.kill("SIGTERM");
    await worker.status;
    await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
    await s3.close();
    await Deno.remove(scratch, { recursive: true });
    await Deno.remove(notebooks, { recursive: true });
  }
});

if (import.meta.main) await serverSide(Deno.env.toObject());
