// Issue 21 item 4: the server started the way the current Deno Deploy starts an app (all
// permissions, `DENO_DEPLOYMENT_ID` set, so in-process), cells on a NATS worker; Deploy evicts
// with SIGINT and SIGKILL 5 s later. A cell is running on the worker when SIGINT comes: the server
// must be gone within the 5 s, and its job must not stay queued or running on the worker.
// deno-lint-ignore-file no-explicit-any -- JSON answers of the API under test
import assert from "node:assert/strict";
import { connectNats, jetstreamManager } from "../lib/cluster/jetstream.ts";
import { natsServerPath, spawnNatsWorker, startNats } from "../lib/cluster/_test_nats.ts";
import { freePort, untilReady } from "./_server.ts";

const mainTs = new URL("../main.ts", import.meta.url).pathname;

Deno.test({
  name: "deploy eviction - SIGINT mid-cell: the server stops within 5 s and withdraws its job",
  ignore: natsServerPath() === undefined,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const nats = await startNats();
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "strata-evict-" }));
    const worker = await spawnNatsWorker(nats.urls[0], "ew", `${dir}/worker`);
    const port = freePort();
    const server = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", mainTs, "serve"],
      env: {
        PATH: Deno.env.get("PATH") ?? "",
        HOME: Deno.env.get("HOME") ?? dir,
        DENO_DEPLOYMENT_ID: "eviction-test",
        STRATA_DATA_DIR: `${dir}/data`,
        STRATA_NOTEBOOK_STORAGE_DIR: `${dir}/notebooks`,
        STRATA_PORT: String(port),
        STRATA_CLUSTER: JSON.stringify({ nats_url: nats.urls[0], ack_wait_ms: 2000 }),
        NO_COLOR: "1",
      },
      clearEnv: true,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const nc = await connectNats({ servers: nats.urls, name: "eviction-observer" });
    try {
      const log = await untilReady(server);
      const api = async (method: string, path: string, body?: unknown) => {
        const res = await fetch(`http://127.0.0.1:${port}${path}`, {
          method,
          headers: { "content-type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: res.status, body: await res.json().catch(() => null) as any };
      };
      const sid = (await api("POST", "/v1/notebooks/create", { name: "evicted" })).body.sessionId;
      const cell = (await api("POST", `/v1/notebooks/${sid}/cells`, {
        source: "await new Promise((r) => setTimeout(r, 120_000));\n1",
      })).body.cellId;
      const running = api("POST", `/v1/notebooks/${sid}/cells/${cell}/execute`).catch(() => null);
      const jsm = await jetstreamManager(nc, { checkAPI: false });
      const pending = async () => {
        const info = await jsm.consumers.info(
          "STRATA_EXEC",
          "exec_" + (await tenant()) + "_interactive",
        )
          .catch(() => undefined);
        return info ? info.num_ack_pending + info.num_pending : -1;
      };
      const tenant = async () => {
        for await (const c of jsm.consumers.list("STRATA_EXEC")) return c.name.split("_")[1];
        return "none";
      };
      for (let i = 0; i < 200 && (await pending()) < 1; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(await pending(), 1, "the cell's job is not on a worker");

      server.kill("SIGINT");
      const killer = setTimeout(() => server.kill("SIGKILL"), 5_000);
      const status = await server.status;
      clearTimeout(killer);
      await log.rest;
      assert.equal(
        status.signal,
        null,
        `evicted by SIGKILL: the server did not stop within 5 s\n${log.text}`,
      );
      await running;
      for (let i = 0; i < 100 && (await pending()) !== 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(await pending(), 0, "the evicted server's job is still queued or running");
    } finally {
      try {
        server.kill("SIGKILL");
      } catch { /* gone */ }
      await server.status;
      await nc.close();
      await worker.stop();
      await nats.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
