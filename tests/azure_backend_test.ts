// artifact_blob_backend = azure end to end: the permission-scoped server stores a cell's result in
// a real Azurite container and reads it back after a restart.
import assert from "node:assert/strict";
import { startServer } from "./_server.ts";
import { startAzurite } from "../lib/artifacts/_azurite_fixture.ts";

Deno.test("azure backend - the scoped server keeps artifacts in Azure Blob Storage (Azurite)", async () => {
  const azurite = await startAzurite(["strata-artifacts"]);
  const s = await startServer({
    STRATA_ARTIFACT_BLOB_BACKEND: "azure",
    STRATA_AZURE_CONTAINER: "strata-artifacts",
    AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
  });
  try {
    assert.match(s.logs(), /Artifacts: +azure:\/\/strata-artifacts\/strata\//);
    const created = await s.api("POST", "/v1/notebooks/create", { name: "blobs" });
    const sid = created.body.sessionId;
    const cell = await s.api("POST", `/v1/notebooks/${sid}/cells`, { source: "'x'.repeat(1000)" });
    const run = await s.api("POST", `/v1/notebooks/${sid}/cells/${cell.body.cellId}/execute`);
    assert.equal(run.status, 200, JSON.stringify(run.body));
    assert.equal(run.body.run.ok, true, JSON.stringify(run.body.run));

    const { BlobServiceClient } = await import("@azure/storage-blob");
    const container = BlobServiceClient.fromConnectionString(azurite.connectionString)
      .getContainerClient("strata-artifacts");
    const names: string[] = [];
    for await (const b of container.listBlobsFlat()) names.push(b.name);
    assert.ok(names.length >= 1, "a blob was written");
    assert.ok(
      names.every((n) => /^strata\/[0-9a-f]+\/[0-9a-f]{2}\/[0-9a-f]+$/.test(n)),
      names.join(),
    );

    await s.restart();
    const reopened = await s.api("POST", "/v1/notebooks/open", { path: "blobs" });
    const again = await s.api(
      "POST",
      `/v1/notebooks/${reopened.body.sessionId}/cells/${cell.body.cellId}/execute`,
    );
    assert.equal(again.status, 200);
    assert.equal(again.body.run.cells[0].cacheHit, true, "read back from Azure after a restart");
  } catch (err) {
    console.error(s.logs());
    throw err;
  } finally {
    await s.close();
    await azurite.close();
  }
});
