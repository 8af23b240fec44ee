/**
 * Blob backend bench: a 200 MiB artifact through the S3 store (s3rver on loopback, run as a
 * child `node` process so the RSS figures are this process's alone) and the folder store, put from a generated stream and read back as a stream, with throughput
 * and peak RSS growth. Run: scripts/deno run -A bench/blob_bench.ts [--mib=200]
 */
import { createBLAKE3 } from "hash-wasm";
import { fsBlobStore } from "../lib/artifacts/fs_blob_store.ts";
import { s3BlobStore } from "../lib/artifacts/s3_blob_store.ts";
import type { StreamingBlobStore } from "../lib/artifacts/streaming_blob_store.ts";

const MiB = 1024 * 1024;

/** Figures of one backend's round trip. */
export interface RoundTrip {
  putMiBps: number;
  getMiBps: number;
  /** Largest RSS above the value before the phase, sampled every 5 ms. */
  putPeakRssDeltaMiB: number;
  getPeakRssDeltaMiB: number;
  verified: boolean;
}

/** All figures of a bench run. */
export interface BlobBenchResult {
  sizeMiB: number;
  s3: RoundTrip;
  fs: RoundTrip;
  /** s3 throughput / fs throughput. */
  putRatio: number;
  getRatio: number;
}

/** A lazily generated stream of `size` bytes; fresh 1 MiB chunks, each stamped with its index. */
function generated(size: number, onChunk: (c: Uint8Array) => void): ReadableStream<Uint8Array> {
  const base = new Uint8Array(MiB);
  for (let i = 0; i < base.length; i += 65536) crypto.getRandomValues(base.subarray(i, i + 65536));
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= size) return controller.close();
      const chunk = base.slice(0, Math.min(MiB, size - sent));
      new DataView(chunk.buffer).setFloat64(0, sent);
      sent += chunk.length;
      onChunk(chunk);
      controller.enqueue(chunk);
    },
  });
}

/** Runs fn while sampling RSS; returns its result, seconds taken and peak RSS growth in MiB. */
async function measured<T>(fn: () => Promise<T>) {
  const before = Deno.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, Deno.memoryUsage().rss)), 5);
  const t0 = performance.now();
  try {
    const value = await fn();
    const seconds = (performance.now() - t0) / 1000;
    peak = Math.max(peak, Deno.memoryUsage().rss);
    return { value, seconds, peakDeltaMiB: (peak - before) / MiB };
  } finally {
    clearInterval(timer);
  }
}

async function roundTrip(store: StreamingBlobStore, size: number): Promise<RoundTrip> {
  const source = await createBLAKE3();
  source.init();
  const put = await measured(() =>
    store.put("bench/big", generated(size, (c) => source.update(c)))
  );
  const expected = source.digest("hex");
  const get = await measured(async () => {
    const sink = await createBLAKE3();
    sink.init();
    let bytes = 0;
    for await (const chunk of (await store.getStream("bench/big"))!) {
      sink.update(chunk);
      bytes += chunk.length;
    }
    return bytes === size && sink.digest("hex") === expected;
  });
  await store.delete("bench/big");
  const mib = size / MiB;
  return {
    putMiBps: round(mib / put.seconds),
    getMiBps: round(mib / get.seconds),
    putPeakRssDeltaMiB: round(put.peakDeltaMiB),
    getPeakRssDeltaMiB: round(get.peakDeltaMiB),
    verified: get.value,
  };
}

/** Starts s3rver under node in its own process group, reporting its port on stdout. */
async function startS3rverProcess(bucket: string) {
  const directory = await Deno.makeTempDir({ prefix: "strata-bench-s3rver-" });
  const s3rverPath = new URL("../node_modules/s3rver", import.meta.url).pathname;
  const script = `const S3rver = require(${JSON.stringify(s3rverPath)});
    new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: process.argv[1],
      configureBuckets: [{ name: process.argv[2] }] })
      .run().then((a) => console.log(JSON.stringify({ port: a.port })));`;
  const child = new Deno.Command("node", {
    args: ["-e", script, directory, bucket],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const { value } = await reader.read();
  reader.releaseLock();
  child.stdout.cancel().catch(() => {});
  const { port } = JSON.parse(value ?? "{}");
  if (!port) throw new Error(`s3rver child did not start: ${value}`);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    async close() {
      child.kill("SIGTERM");
      await child.status;
      await Deno.remove(directory, { recursive: true });
    },
  };
}

/** Runs the bench and returns its figures. */
export async function main(sizeMiB = 200): Promise<BlobBenchResult> {
  const size = sizeMiB * MiB;
  const server = await startS3rverProcess("strata-bench");
  const dir = await Deno.makeTempDir({ prefix: "strata-blob-bench-" });
  try {
    const s3 = s3BlobStore({
      bucket: "strata-bench",
      endpoint: server.endpoint,
      credentials: server.credentials,
    });
    const s3Figures = await roundTrip(s3, size);
    s3.close();
    const fsFigures = await roundTrip(fsBlobStore(dir), size);
    return {
      sizeMiB,
      s3: s3Figures,
      fs: fsFigures,
      putRatio: round(s3Figures.putMiBps / fsFigures.putMiBps),
      getRatio: round(s3Figures.getMiBps / fsFigures.getMiBps),
    };
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

if (import.meta.main) {
  const arg = Deno.args.find((a) => a.startsWith("--mib="));
  const r = await main(arg ? Number(arg.slice(6)) : 200);
  const line = (name: string, f: RoundTrip) =>
    `${name.padEnd(3)} put ${f.putMiBps} MiB/s (peak RSS +${f.putPeakRssDeltaMiB} MiB)  ` +
    `get ${f.getMiBps} MiB/s (peak RSS +${f.getPeakRssDeltaMiB} MiB)  verified=${f.verified}`;
  console.log(`blob round trip of ${r.sizeMiB} MiB, generated stream in, stream out`);
  console.log(line("s3", r.s3));
  console.log(line("fs", r.fs));
  console.log(`s3/fs throughput ratio: put ${r.putRatio}, get ${r.getRatio}`);
}
