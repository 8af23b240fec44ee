// Issue 21: `kill -9` of a `strata worker --nats` mid-cell (the worker alone, not its machine)
// leaves no process running: the permission-scoped worker the launcher started ends when its
// launcher is gone, and the cell's child ends when its parent is gone (as under the server,
// tests/cell_orphans_test.ts). Before the fix the scoped worker and its cell ran on.
import assert from "node:assert/strict";
import { connectNats } from "../lib/cluster/jetstream.ts";
import { natsExecutor } from "../lib/cluster/nats_executor.ts";
import { natsServerPath, spawnNatsWorker, startNats } from "../lib/cluster/_test_nats.ts";
import { running } from "./_proc.ts";

Deno.test({
  name: "nats worker - SIGKILL of the worker mid-cell leaves no cell process running",
  ignore: natsServerPath() === undefined,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const nats = await startNats();
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "strata-worker-orphan-" }));
    const worker = await spawnNatsWorker(nats.urls[0], "wo", `${dir}/w`, ["--allow-host-paths"]);
    const nc = await connectNats({ servers: nats.urls, name: "orphan-server" });
    const ex = await natsExecutor({
      nc,
      ownsConnection: true,
      ackWaitMs: 2000,
      queueTimeoutMs: 5000,
    });
    let cellPid = 0;
    let scoped = 0;
    try {
      const began = Promise.withResolvers<void>();
      const run = ex.runBatch([{
        cellId: "c0",
        source: `console.log("begin " + Deno.ppid + " " + Deno.pid);
await new Promise((r) => setTimeout(r, 120_000));
const out = 1;`,
        inputs: [],
        outputs: ["out"],
        permissions: { notebookDir: "/srv/notebooks/nb" },
        timeoutMs: 180_000,
      }], {
        onConsole(entry) {
          const m = /begin (\d+) (\d+)/.exec(entry.text);
          if (!m || cellPid) return;
          cellPid = Number(m[2]);
          scoped = Number(m[1]);
          // `kill -9 <pid of strata worker>`: the launcher the operator started, nothing else.
          Deno.kill(worker.process.pid, "SIGKILL");
          began.resolve();
        },
      }).catch(() => {});
      await began.promise;
      const killedAt = performance.now();
      while (running(cellPid) && performance.now() - killedAt < 5_000) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const after = performance.now() - killedAt;
      while (running(scoped) && performance.now() - killedAt < 5_000) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(!running(scoped), `the permission-scoped worker ${scoped} still runs`);
      assert.ok(
        !running(cellPid),
        `the cell's process ${cellPid} still runs ${after.toFixed(0)} ms after the kill`,
      );
      console.log(`cell process ended ${after.toFixed(0)} ms after its worker was killed`);
      void run;
    } finally {
      for (const pid of [scoped, cellPid]) if (pid && running(pid)) Deno.kill(pid, "SIGKILL");
      await ex.close();
      await worker.stop();
      await nats.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
