/** Test fixture: a throwaway Azurite blob service (npm `azurite`, run under Deno) and a container. */

/** Azurite's well-known development account (public, documented by Microsoft). */
export const AZURITE_ACCOUNT = {
  name: "devstoreaccount1",
  key: "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
} as const;

/** A running Azurite. */
export interface Azurite {
  /** Account URL, e.g. http://127.0.0.1:PORT/devstoreaccount1 */
  endpoint: string;
  connectionString: string;
  close(): Promise<void>;
}

/** Starts Azurite's blob service on a free loopback port; resolves once it listens. */
export async function startAzurite(containers: string[] = []): Promise<Azurite> {
  const dir = await Deno.makeTempDir({ prefix: "strata-azurite-" });
  // The port is free when picked but may be taken before Azurite binds it (tests run in
  // parallel): a start that lost that race tries another port.
  let started: Awaited<ReturnType<typeof listenOnFreePort>> | undefined;
  for (let attempt = 1; !started; attempt++) {
    try {
      started = await listenOnFreePort(dir);
    } catch (e) {
      if (attempt >= 3 || !/EADDRINUSE/.test((e as Error).message)) throw e;
    }
  }
  const { child, reader, port } = started;
  const drain = (async () => {
    for (let r = await reader.read(); !r.done; r = await reader.read()) { /* discard */ }
  })();
  const stderr = child.stderr.pipeTo(new WritableStream());
  const endpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT.name}`;
  const connectionString = `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT.name};` +
    `AccountKey=${AZURITE_ACCOUNT.key};BlobEndpoint=${endpoint};`;
  if (containers.length > 0) {
    const { BlobServiceClient } = await import("@azure/storage-blob");
    const service = BlobServiceClient.fromConnectionString(connectionString);
    for (const c of containers) await service.getContainerClient(c).createIfNotExists();
  }
  return {
    endpoint,
    connectionString,
    async close() {
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
      await child.status;
      await drain;
      await stderr.catch(() => {});
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** Starts Azurite on a port free when picked; resolves once it listens, throws if it exits. */
async function listenOnFreePort(dir: string) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const main =
    new URL("../../node_modules/azurite/dist/src/blob/main.js", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      main,
      "--blobHost",
      "127.0.0.1",
      "--blobPort",
      String(port),
      "--location",
      dir,
      "--skipApiVersionCheck",
      "--silent",
      "--loose",
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!out.includes("successfully listens")) {
    const { value, done } = await reader.read();
    if (done) {
      const err = await new Response(child.stderr).text();
      await child.status;
      throw new Error(`Azurite exited before listening:\n${out}\n${err}`);
    }
    out += value;
  }
  return { child, reader, port };
}
