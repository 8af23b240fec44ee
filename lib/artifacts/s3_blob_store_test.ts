import assert from "node:assert/strict";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { chunkedStream, patternBytes } from "./blob_store_conformance.ts";
import { getVerified, putContent } from "./content.ts";
import { s3BlobStore, type S3BlobStoreOptions } from "./s3_blob_store.ts";
import { type S3rverFixture, startS3rver } from "./_s3rver_fixture.ts";

const MiB = 1024 * 1024;
const BUCKET = "strata-test";

async function withServer(fn: (server: S3rverFixture) => Promise<void>): Promise<void> {
  const server = await startS3rver([BUCKET]);
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

function rawClient(server: S3rverFixture, endpoint = server.endpoint): S3Client {
  return new S3Client({
    region: "us-east-1",
    endpoint,
    forcePathStyle: true,
    credentials: server.credentials,
    maxAttempts: 1,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

/** A loopback TCP proxy in front of s3rver that spoils the first `failures` connections. */
function faultyProxy(upstreamPort: number, mode: "503" | "reset", failures: number) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const tasks: Promise<unknown>[] = [];
  const stats = { connections: 0, failed: 0 };
  const body = "<?xml version='1.0'?><Error><Code>ServiceUnavailable</Code>" +
    "<Message>Please reduce your request rate.</Message></Error>";
  async function handle(conn: Deno.TcpConn): Promise<void> {
    stats.connections++;
    if (stats.failed < failures) {
      stats.failed++;
      await conn.read(new Uint8Array(64 * 1024)); // the request head
      if (mode === "503") {
        await conn.write(new TextEncoder().encode(
          "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/xml\r\n" +
            `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
        ));
      }
      conn.close();
      return;
    }
    const upstream = await Deno.connect({ hostname: "127.0.0.1", port: upstreamPort });
    await Promise.allSettled([
      conn.readable.pipeTo(upstream.writable),
      upstream.readable.pipeTo(conn.writable),
    ]);
  }
  const accepting = (async () => {
    for await (const conn of listener) tasks.push(handle(conn).catch(() => {}));
  })();
  return {
    endpoint: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    stats,
    async close() {
      listener.close();
      await accepting.catch(() => {});
      await Promise.all(tasks);
    },
  };
}

function storeFor(server: S3rverFixture, extra: Partial<S3BlobStoreOptions> = {}) {
  return s3BlobStore({
    bucket: BUCKET,
    endpoint: server.endpoint,
    credentials: server.credentials,
    retryBaseDelayMs: 1,
    ...extra,
  });
}

Deno.test("s3BlobStore - a missing bucket is named in the error of every operation", async () => {
  await withServer(async (server) => {
    const store = storeFor(server, { bucket: "no-such-bucket" });
    const expected = `S3 bucket 'no-such-bucket' does not exist (endpoint ${server.endpoint})`;
    const ops: [string, () => Promise<unknown>][] = [
      ["get", () => store.get("a/b")],
      ["getStream", () => store.getStream("a/b")],
      ["has", () => store.has("a/b")],
      ["put", () => store.put("a/b", new Uint8Array(3))],
      ["multipart put", () => store.put("a/b", chunkedStream(patternBytes(17 * MiB), MiB))],
      ["delete", () => store.delete("a/b")],
      ["list", () => Array.fromAsync(store.list("a/"))],
    ];
    for (const [name, op] of ops) {
      await assert.rejects(op, (err: Error) => err.message === expected, name);
    }
    store.close();
  });
});

Deno.test("s3BlobStore - unknown credentials give an access-denied error", async () => {
  await withServer(async (server) => {
    const store = storeFor(server, {
      credentials: { accessKeyId: "NOBODY", secretAccessKey: "x" },
    });
    await assert.rejects(
      store.get("a"),
      /^Error: S3 access denied for bucket 'strata-test' \(endpoint http:\/\/127\.0\.0\.1:\d+\) .*InvalidAccessKeyId/,
    );
    store.close();
  });
});

Deno.test("s3BlobStore - values above the threshold go up as multipart, below as one PUT", async () => {
  await withServer(async (server) => {
    const client = rawClient(server);
    const commands: string[] = [];
    client.middlewareStack.add((next, context) => (args) => {
      commands.push(context.commandName as string);
      return next(args);
    }, { step: "initialize", name: "recordCommands" });
    const store = storeFor(server, {
      client,
      prefix: "mp/",
      multipartThresholdBytes: 5 * MiB,
      partSizeBytes: 5 * MiB,
    });
    const big = patternBytes(12 * MiB + 17, 9);
    assert.deepEqual(await store.put("big", chunkedStream(big, 100_000)), {
      key: "big",
      size: big.length,
    });
    assert.deepEqual(commands, [
      "CreateMultipartUploadCommand",
      "UploadPartCommand",
      "UploadPartCommand",
      "UploadPartCommand",
      "CompleteMultipartUploadCommand",
    ]);
    assert.deepEqual(await store.get("big"), big);

    commands.length = 0;
    await store.put("bytes", big); // a buffer above the threshold is cut into parts too
    assert.equal(commands.filter((c) => c === "UploadPartCommand").length, 3);

    commands.length = 0;
    await store.put("exact", chunkedStream(patternBytes(5 * MiB)));
    assert.deepEqual(commands, ["PutObjectCommand"]);

    commands.length = 0;
    let pulls = 0;
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (++pulls > 70) return controller.error(new Error("source broke"));
        controller.enqueue(patternBytes(100_000, pulls));
      },
    });
    await assert.rejects(store.put("broken", failing), /source broke/);
    assert.deepEqual(commands, [
      "CreateMultipartUploadCommand",
      "UploadPartCommand",
      "AbortMultipartUploadCommand",
    ]);

    const raw = await client.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    assert.deepEqual(raw.Contents?.map((o) => o.Key).sort(), ["mp/big", "mp/bytes", "mp/exact"]);
    client.destroy();
  });
});

Deno.test("s3BlobStore - transient 503 answers are retried until success", async () => {
  await withServer(async (server) => {
    const port = Number(new URL(server.endpoint).port);
    const proxy = faultyProxy(port, "503", 2);
    const store = storeFor(server, { endpoint: proxy.endpoint, maxAttempts: 3 });
    await store.put("k", new TextEncoder().encode("v"));
    assert.equal(proxy.stats.failed, 2);
    assert.deepEqual(await store.get("k"), new TextEncoder().encode("v"));
    store.close();
    await proxy.close();
  });
});

Deno.test("s3BlobStore - retries give up after maxAttempts with a message saying so", async () => {
  await withServer(async (server) => {
    const port = Number(new URL(server.endpoint).port);
    const proxy = faultyProxy(port, "503", 10);
    const store = storeFor(server, { endpoint: proxy.endpoint, maxAttempts: 3 });
    await assert.rejects(
      store.get("k"),
      /S3 get 'k' in bucket 'strata-test' .* failed after 3 attempt\(s\): ServiceUnavailable/,
    );
    assert.equal(proxy.stats.failed, 3);
    store.close();
    await proxy.close();
  });
});

Deno.test("s3BlobStore - a dropped connection is retried", async () => {
  await withServer(async (server) => {
    const port = Number(new URL(server.endpoint).port);
    const proxy = faultyProxy(port, "reset", 1);
    const store = storeFor(server, { endpoint: proxy.endpoint, maxAttempts: 2 });
    assert.equal(await store.has("nothing"), false);
    assert.equal(proxy.stats.failed, 1);
    store.close();
    await proxy.close();
  });
});

Deno.test("s3BlobStore - a blob corrupted at rest reads as corrupt, never as a value", async () => {
  await withServer(async (server) => {
    const store = storeFor(server, { prefix: "cas/" });
    const put = await putContent(store, "0123456789abcdef", patternBytes(4096, 5));
    const file = `${server.directory}/${BUCKET}/cas/${put.key}._S3rver_object`;
    const bytes = await Deno.readFile(file);
    bytes[100] ^= 0xff;
    await Deno.writeFile(file, bytes);
    assert.deepEqual(await getVerified(store, put.key, put.contentHash), {
      ok: false,
      reason: "corrupt",
    });
    await Deno.remove(file);
    assert.deepEqual(await getVerified(store, put.key, put.contentHash), {
      ok: false,
      reason: "missing",
    });
    store.close();
  });
});

Deno.test("s3BlobStore - racing puts of the same content leave it intact", async () => {
  await withServer(async (server) => {
    const store = storeFor(server);
    const data = patternBytes(2 * MiB, 4);
    const results = await Promise.all([1, 2, 3, 4].map(() => putContent(store, "t", data)));
    assert.deepEqual(await getVerified(store, results[0].key, results[0].contentHash), {
      ok: true,
      bytes: data,
    });
    store.close();
  });
});

Deno.test("s3BlobStore - keys are stored under the prefix and listed without it", async () => {
  await withServer(async (server) => {
    const a = storeFor(server, { prefix: "tenant-a/" });
    const b = storeFor(server, { prefix: "tenant-b/" });
    await a.put("x/1", new Uint8Array(1));
    await b.put("x/2", new Uint8Array(2));
    assert.deepEqual(await Array.fromAsync(a.list()), [{ key: "x/1", size: 1 }]);
    assert.equal(await a.has("x/2"), false);
    const client = rawClient(server);
    const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "tenant-b/x/2" }));
    assert.equal((await got.Body!.transformToByteArray()).length, 2);
    client.destroy();
    a.close();
    b.close();
  });
});

Deno.test("s3BlobStore - options are validated when the store is created", () => {
  const base = { bucket: BUCKET };
  assert.throws(() => s3BlobStore({ bucket: "No_Such" }), /bucket "No_Such" is not a valid/);
  assert.throws(() => s3BlobStore({ ...base, prefix: "/abs" }), TypeError);
  assert.throws(() => s3BlobStore({ ...base, endpoint: "not a url" }), /not a URL/);
  assert.throws(() => s3BlobStore({ ...base, partSizeBytes: MiB }), /partSizeBytes must be/);
  assert.throws(
    () => s3BlobStore({ ...base, partSizeBytes: 8 * MiB, multipartThresholdBytes: 6 * MiB }),
    /multipartThresholdBytes must be/,
  );
  assert.throws(() => s3BlobStore({ ...base, maxAttempts: 0 }), /maxAttempts must be/);
});
