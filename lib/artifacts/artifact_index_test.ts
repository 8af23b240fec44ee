import assert from "node:assert/strict";
import { forEachBackend } from "../db/testing.ts";
import {
  type ArtifactInput,
  countBlobReferences,
  deleteArtifactsByProvenance,
  listArtifactsForTenant,
  lookupArtifacts,
  lookupArtifactsMany,
  putArtifact,
  totalArtifactBytes,
  touchArtifacts,
} from "./artifact_index.ts";

function artifact(over: Partial<ArtifactInput> = {}): ArtifactInput {
  const contentHash = over.contentHash ?? "c0ffee";
  return {
    tenantHash: "tenantA",
    provenanceHash: "prov1",
    variable: "x",
    blobKey: `${over.tenantHash ?? "tenantA"}/${contentHash.slice(0, 2)}/${contentHash}`,
    contentHash,
    size: 10,
    codec: "v8",
    createdAt: 1_000,
    ...over,
  };
}

forEachBackend("artifact index - lookup returns every variable of a provenance", async (db) => {
  assert.deepEqual(await lookupArtifacts(db, "tenantA", "prov1"), { hit: false });
  await putArtifact(db, artifact({ variable: "y", contentHash: "bb01", size: 5 }));
  await putArtifact(db, artifact({ variable: "x", contentHash: "aa01", size: 7 }));
  await putArtifact(db, artifact({ provenanceHash: "prov2", contentHash: "cc01" }));
  const found = await lookupArtifacts(db, "tenantA", "prov1");
  assert.deepEqual(found, {
    hit: true,
    artifacts: [
      {
        tenantHash: "tenantA",
        provenanceHash: "prov1",
        variable: "x",
        blobKey: "tenantA/aa/aa01",
        contentHash: "aa01",
        size: 7,
        codec: "v8",
        createdAt: 1_000,
        lastUsedAt: 1_000,
      },
      {
        tenantHash: "tenantA",
        provenanceHash: "prov1",
        variable: "y",
        blobKey: "tenantA/bb/bb01",
        contentHash: "bb01",
        size: 5,
        codec: "v8",
        createdAt: 1_000,
        lastUsedAt: 1_000,
      },
    ],
  });
});

forEachBackend("artifact index - tenants never see each other's entries", async (db) => {
  await putArtifact(db, artifact({ tenantHash: "tenantA", size: 3 }));
  await putArtifact(db, artifact({ tenantHash: "tenantB", size: 4 }));
  const a = await lookupArtifacts(db, "tenantA", "prov1");
  assert.ok(a.hit);
  assert.deepEqual(a.artifacts.map((r) => r.tenantHash), ["tenantA"]);
  assert.equal(await totalArtifactBytes(db, "tenantA"), 3);
  assert.equal(await totalArtifactBytes(db, "tenantB"), 4);
  assert.equal(await totalArtifactBytes(db), 7);
  assert.equal(await totalArtifactBytes(db, "nobody"), 0);
  assert.equal(await touchArtifacts(db, "tenantB", "prov1", 9_000), 1);
  assert.deepEqual((await listArtifactsForTenant(db, "tenantA")).map((r) => r.lastUsedAt), [1_000]);
});

forEachBackend("artifact index - put replaces the entry for the same key", async (db) => {
  await putArtifact(db, artifact({ contentHash: "aa01", size: 1, codec: "json" }));
  await putArtifact(
    db,
    artifact({ contentHash: "bb02", size: 2_000_000_000_000, createdAt: 2_000 }),
  );
  const found = await lookupArtifacts(db, "tenantA", "prov1");
  assert.ok(found.hit);
  assert.equal(found.artifacts.length, 1);
  assert.equal(found.artifacts[0].contentHash, "bb02");
  assert.equal(found.artifacts[0].size, 2_000_000_000_000);
  assert.equal(found.artifacts[0].codec, "v8");
  assert.equal(found.artifacts[0].createdAt, 2_000);
});

forEachBackend("artifact index - touch moves last_used_at, list orders by it", async (db) => {
  await putArtifact(db, artifact({ provenanceHash: "old", createdAt: 100 }));
  await putArtifact(db, artifact({ provenanceHash: "mid", createdAt: 200 }));
  await putArtifact(db, artifact({ provenanceHash: "new", createdAt: 300 }));
  assert.equal(await touchArtifacts(db, "tenantA", "old", 5_000), 1);
  assert.equal(await touchArtifacts(db, "tenantA", "missing", 5_000), 0);
  const all = await listArtifactsForTenant(db, "tenantA");
  assert.deepEqual(all.map((r) => [r.provenanceHash, r.lastUsedAt]), [
    ["old", 5_000],
    ["new", 300],
    ["mid", 200],
  ]);
  assert.deepEqual(all[0].createdAt, 100);
  const stale = await listArtifactsForTenant(db, "tenantA", { lastUsedBefore: 300 });
  assert.deepEqual(stale.map((r) => r.provenanceHash), ["mid"]);
  assert.equal((await listArtifactsForTenant(db, "tenantA", { limit: 1 })).length, 1);
});

forEachBackend(
  "artifact index - delete returns the removed entries for blob cleanup",
  async (db) => {
    await putArtifact(db, artifact({ variable: "x", contentHash: "aa01" }));
    await putArtifact(db, artifact({ variable: "y", contentHash: "aa01" }));
    await putArtifact(
      db,
      artifact({ provenanceHash: "prov2", variable: "x", contentHash: "aa01" }),
    );
    assert.equal(await countBlobReferences(db, "tenantA/aa/aa01"), 3);
    const removed = await deleteArtifactsByProvenance(db, "tenantA", "prov1");
    assert.deepEqual(removed.map((r) => r.variable), ["x", "y"]);
    assert.deepEqual(await lookupArtifacts(db, "tenantA", "prov1"), { hit: false });
    assert.equal(await countBlobReferences(db, "tenantA/aa/aa01"), 1);
    assert.deepEqual(await deleteArtifactsByProvenance(db, "tenantA", "prov1"), []);
  },
);

forEachBackend(
  "artifact index - one lookup of many provenances answers as one lookup each",
  async (db) => {
    // More provenances than one statement takes (they go in chunks), a few stored, one elsewhere.
    const provs = Array.from({ length: 1_203 }, (_, i) => `p${i}`);
    for (const i of [0, 499, 500, 1_202]) {
      await putArtifact(db, artifact({ provenanceHash: provs[i], variable: "$result" }));
      await putArtifact(
        db,
        artifact({ provenanceHash: provs[i], variable: "a", contentHash: "aa" }),
      );
    }
    await putArtifact(db, artifact({ tenantHash: "tenantB", provenanceHash: "p7" }));
    const many = await lookupArtifactsMany(db, "tenantA", [...provs, "p0"]);
    assert.deepEqual([...many.keys()].sort(), ["p0", "p1202", "p499", "p500"]);
    for (const p of provs) {
      const one = await lookupArtifacts(db, "tenantA", p);
      assert.deepEqual(
        many.has(p) ? { hit: true, artifacts: many.get(p) } : { hit: false },
        one,
        p,
      );
    }
    assert.deepEqual(await lookupArtifactsMany(db, "tenantA", []), new Map());
  },
);
