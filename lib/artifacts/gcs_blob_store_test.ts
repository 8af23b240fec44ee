// Google Cloud Storage: the shared conformance suite against gcsBlobStore on the real
// @google-cloud/storage client, talking to tests/fixtures/gcs_fake.ts (no GCS emulator installs
// here; the fake speaks the JSON API subset the client uses).
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { conformanceSteps, patternBytes } from "./blob_store_conformance.ts";
import { gcsBlobStore } from "./gcs_blob_store.ts";
import { startGcsFake } from "../../tests/fixtures/gcs_fake.ts";

Deno.test("gcsBlobStore - conformance against the local GCS JSON API fake", async (t) => {
  let n = 0;
  await conformanceSteps(t, async () => {
    const bucket = `case-${++n}`;
    // A fresh fake per case; two items per list page, so listing follows pageToken.
    const server = await startGcsFake({ buckets: [bucket], pageSize: 2 });
    return {
      store: gcsBlobStore({
        bucket,
        prefix: "conformance/",
        endpoint: server.endpoint,
        projectId: "test",
        // Small chunks, so large values and streams take several resumable requests.
        resumableThresholdBytes: 1024 * 1024,
        chunkSizeBytes: 1024 * 1024,
      }),
      close: () => server.close(),
    };
  });
});

Deno.test("gcsBlobStore - uploads use multipart, resumable chunks, and list pages", async () => {
  const fake = await startGcsFake({ buckets: ["bucket-one"], pageSize: 2 });
  try {
    const store = gcsBlobStore({
      bucket: "bucket-one",
      endpoint: fake.endpoint,
      resumableThresholdBytes: 512 * 1024,
      chunkSizeBytes: 256 * 1024,
    });
    await store.put("small", new Uint8Array([1, 2, 3]));
    const big = patternBytes(700 * 1024, 5);
    await store.put("big", big);
    for (const k of ["l1", "l2", "l3"]) await store.put(k, new Uint8Array([9]));
    assert.deepEqual(await store.get("big"), big);
    const keys = (await Array.fromAsync(store.list("l"))).map((b) => b.key);
    assert.deepEqual(keys, ["l1", "l2", "l3"]);

    const r = fake.requests;
    assert.equal(r.filter((x) => /^POST .*uploadType=multipart/.test(x)).length, 4, r.join("\n"));
    assert.equal(r.filter((x) => /^POST .*uploadType=resumable/.test(x)).length, 1);
    // 700 KiB in 256 KiB chunks: three PUTs.
    assert.equal(r.filter((x) => x.startsWith("PUT ")).length, 3, r.join("\n"));
    assert.ok(
      r.some((x) => /^GET \/storage\/v1\/b\/bucket-one\/o\?.*pageToken=/.test(x)),
      r.join("\n"),
    );
  } finally {
    await fake.close();
  }
});

Deno.test("gcsBlobStore - a missing bucket is named in the error of every operation", async () => {
  const fake = await startGcsFake({ buckets: [] });
  try {
    const store = gcsBlobStore({ bucket: "no-such-bucket", endpoint: fake.endpoint });
    const ops: [string, () => Promise<unknown>][] = [
      ["get", () => store.get("k")],
      ["put", () => store.put("k", new Uint8Array([1]))],
      ["has", () => store.has("k")],
      ["delete", () => store.delete("k")],
      ["list", () => Array.fromAsync(store.list())],
    ];
    for (const [name, op] of ops) {
      await assert.rejects(op, /GCS bucket 'no-such-bucket'.*bucket does not exist/, name);
    }
  } finally {
    await fake.close();
  }
});

Deno.test("gcsBlobStore - bad options are refused before any request", () => {
  assert.throws(() => gcsBlobStore({ bucket: "Bad_Bucket!", endpoint: "http://x" }), TypeError);
  assert.throws(() => gcsBlobStore({ bucket: "ok-bucket" }), /service-account key file/);
  assert.throws(
    () => gcsBlobStore({ bucket: "ok-bucket", endpoint: "http://x", chunkSizeBytes: 1000 }),
    /256 KiB/,
  );
});

Deno.test("gcsBlobStore - a service-account key is exchanged for a token, without a deprecation warning or the key in errors", async () => {
  const fake = await startGcsFake({ buckets: ["locked"], requireToken: "tok-1" });
  const dir = await Deno.makeTempDir({ prefix: "strata-gcs-key-" });
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }) as string;
  const keyFile = `${dir}/sa.json`;
  await Deno.writeTextFile(
    keyFile,
    JSON.stringify({
      type: "service_account",
      project_id: "proj",
      private_key_id: "k1",
      private_key: pem,
      client_email: "strata@proj.iam.gserviceaccount.com",
      token_uri: `${fake.endpoint}/token`,
    }),
  );
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void warnings.push(args.join(" "));
  try {
    // Unauthenticated calls are refused by the fake, so a store without the key cannot write.
    const anonymous = gcsBlobStore({ bucket: "locked", endpoint: fake.endpoint });
    await assert.rejects(anonymous.put("k", new Uint8Array([1])), /access denied/);

    const store = gcsBlobStore({ bucket: "locked", endpoint: fake.endpoint, keyFilename: keyFile });
    // google-auth-library 11 posts to its fixed https://oauth2.googleapis.com/token (it ignores
    // the key's token_uri), which this machine cannot reach: the failure names that exchange.
    const err = await store.put("k", new Uint8Array([1])).catch((e) => e as Error);
    assert.ok(err instanceof Error);
    assert.match(err.message, /Cannot write 'k' in GCS bucket 'locked'/);
    assert.match(
      `${err.message} ${(err.cause as Error)?.message}`,
      /oauth2\.googleapis\.com|invalid_grant/,
    );
    assert.doesNotMatch(err.message, /PRIVATE KEY|MII/);
    assert.deepEqual(warnings.filter((w) => /deprecated/.test(w)), []);
  } finally {
    console.warn = warn;
    await Deno.remove(dir, { recursive: true });
    await fake.close();
  }
});
