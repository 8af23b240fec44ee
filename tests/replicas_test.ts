// Two server processes sharing one PostgreSQL database, one S3 bucket (s3rver) and one notebook
// folder: a result computed by one replica is a cache hit on the other.
import assert from "node:assert/strict";
import postgres from "postgres";
import { startS3rver } from "../lib/artifacts/_s3rver_fixture.ts";
import { DEFAULT_TEST_PG_URL } from "../lib/db/testing.ts";
import { startServer, type TestServer } from "./_server.ts";

interface RunCell {
  cellId: string;
  cacheHit: boolean;
  status: string;
}

async function withDatabase(fn: (url: string) => Promise<void>): Promise<void> {
  const adminUrl = Deno.env.get("STRATA_TEST_PG_URL") || DEFAULT_TEST_PG_URL;
  const name = `strata_replicas_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  try {
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    await fn(url.href);
  } finally {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

async function countFiles(dir: string): Promise<number> {
  let n = 0;
  for await (const e of Deno.readDir(dir)) {
    n += e.isDirectory
      ? await countFiles(`${dir}/${e.name}`)
      : e.name.endsWith("._S3rver_object")
      ? 1
      : 0;
  }
  return n;
}

Deno.test("replicas - a cell run on replica A is a cache hit on replica B", async () => {
  await withDatabase(async (databaseUrl) => {
    const s3 = await startS3rver(["strata-replicas"]);
    const notebooks = await Deno.makeTempDir({ prefix: "strata-shared-notebooks-" });
    const env = {
      STRATA_DATABASE_URL: databaseUrl,
      STRATA_ARTIFACT_BLOB_BACKEND: "s3",
      STRATA_S3_BUCKET: "strata-replicas",
      STRATA_S3_ENDPOINT: s3.endpoint,
      STRATA_S3_FORCE_PATH_STYLE: "true",
      AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
      STRATA_NOTEBOOK_STORAGE_DIR: notebooks,
    };
    const servers: TestServer[] = [];
    try {
      const a = await startServer(env);
      servers.push(a);
      const b = await startServer(env);
      servers.push(b);
      assert.notEqual(a.port, b.port);
      for (const s of servers) assert.equal((await s.api("GET", "/ready")).status, 200);

      let r = await a.api("POST", "/v1/notebooks/create", { name: "shared" });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const sidA = r.body.sessionId;
      const x =
        (await a.api("POST", `/v1/notebooks/${sidA}/cells`, { source: "const x = [1, 2, 3]" })).body
          .cellId;
      const y =
        (await a.api("POST", `/v1/notebooks/${sidA}/cells`, { source: "x.map((v) => v * 7)" })).body
          .cellId;
      r = await a.api("POST", `/v1/notebooks/${sidA}/cells/${y}/execute`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body.run.cells.map((c: RunCell) => [c.cellId, c.cacheHit, c.status]), [
        [x, false, "ready"],
        [y, false, "ready"],
      ]);
      assert.ok(await countFiles(s3.directory) > 0, "artifacts were written to the shared bucket");

      r = await b.api("POST", "/v1/notebooks/open", { path: "shared" });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const sidB = r.body.sessionId;
      r = await b.api("POST", `/v1/notebooks/${sidB}/cells/${y}/execute`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body.run.cells.map((c: RunCell) => [c.cellId, c.cacheHit]), [[x, true], [
        y,
        true,
      ]]);
      const out = r.body.state.cells.find((c: { id: string }) => c.id === y).outputs.displays[0];
      assert.match(JSON.stringify(out), /7.*14.*21/, "B shows the output A computed");
    } catch (err) {
      for (const s of servers) console.error(`--- server ${s.port} log ---\n${s.logs()}`);
      throw err;
    } finally {
      for (const s of servers) await s.close();
      await s3.close();
      await Deno.remove(notebooks, { recursive: true });
    }
  });
});
