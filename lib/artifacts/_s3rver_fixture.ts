/** Test and bench helper: an s3rver S3-compatible server on loopback with a temp directory. */
import S3rver from "s3rver";

/** A running s3rver. */
export interface S3rverFixture {
  endpoint: string;
  /** Where s3rver keeps objects (`<dir>/<bucket>/<key>._S3rver_object`). */
  directory: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Stops the server and deletes its directory. */
  close(): Promise<void>;
}

/** Starts s3rver on 127.0.0.1 (free port) with the given buckets created. Throws if it cannot. */
export async function startS3rver(buckets: string[] = ["strata-test"]): Promise<S3rverFixture> {
  const directory = await Deno.makeTempDir({ prefix: "strata-s3rver-" });
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    directory,
    silent: true,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  let port: number;
  try {
    ({ port } = await server.run());
  } catch (err) {
    await Deno.remove(directory, { recursive: true });
    throw new Error(`Cannot start s3rver on 127.0.0.1: ${(err as Error).message}`, { cause: err });
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    directory,
    // s3rver's built-in account.
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    async close() {
      await server.close();
      await Deno.remove(directory, { recursive: true });
    },
  };
}
