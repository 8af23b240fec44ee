// artifact_blob_backend = gcs end to end: the permission-scoped server stores a cell's result
// through @google-cloud/storage in a bucket of the local GCS JSON API fake (no GCS emulator
// installs here) and reads it back after a restart.
import assert from "node:assert/strict";
import { startServer } from "./_server.ts";
import { startGcsFake } from "./fixtures/gcs_fake.ts";

Deno.test("gcs backend - the scoped server keeps artifacts in Google Cloud Storage (JSON API fake)", async () => {
  const gcs = await startGcsFake({ buckets: ["strata-artifacts"] });
  const s = await startServer({
    STRATA_ARTIFACT_BLOB_BACKEND: "gcs",
    STRATA_GCS_BUCKET: "strata-artifacts",
    STRATA_GCS_ENDPOINT: gcs.endpoint,
  });
  try {
    assert.match(s.logs(), /Artifacts: +gs:\/\/strata-artifacts\/strata\//);
    const created = await s.api("POST", "/v1/notebooks/create", { name: "blobs" });
    const sid = created.body.sessionId;
    const cell = await s.api("POST", `/v1/notebooks/${sid}/cells`, { source: "'x'.repeat(1000)" });
    const run = await s.api("POST", `/v1/notebooks/${sid}/cells/${cell.body.cellId}/execute`);
    assert.equal(run.status, 200, JSON.stringify(run.body));
    assert.equal(run.body.run.ok, true, JSON.stringify(run.body.run));

    const inserts = gcs.requests.filter((r) => r.startsWith("POST /upload/storage/v1/b/"));
    assert.ok(inserts.length >= 1, `an object was written:\n${gcs.requests.join("\n")}`);
    const names = inserts.map((r) => new URL(r.split(" ")[1], "http://x").searchParams.get("name"));
    assert.ok(
      names.every((n) => /^strata\/[0-9a-f]+\/[0-9a-f]{2}\/[0-9a-f]+$/.test(n ?? "")),
      names.join(),
    );

    await s.restart();
    const before = gcs.requests.length;
    const reopened = await s.api("POST", "/v1/notebooks/open", { path: "blobs" });
    const again = await s.api(
      "POST",
      `/v1/notebooks/${reopened.body.sessionId}/cells/${cell.body.cellId}/execute`,
    );
    assert.equal(again.status, 200);
    assert.equal(again.body.run.cells[0].cacheHit, true, "read back from GCS after a restart");
    assert.ok(
      gcs.requests.slice(before).some((r) =>
        /^GET \/storage\/v1\/b\/strata-artifacts\/o\//.test(r)
      ),
      "the restarted server asked GCS",
    );
    // The client's stream plumbing used to print MaxListenersExceededWarning on every read.
    assert.doesNotMatch(s.logs(), /MaxListenersExceeded|deprecated/);
  } catch (err) {
    console.error(s.logs());
    throw err;
  } finally {
    await s.close();
    await gcs.close();
  }
});
