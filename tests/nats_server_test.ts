// Issue 21: `[cluster] nats_url` set ⇒ the real server (launcher + permission-scoped process, its
// net permission gaining exactly the NATS address) runs every cell on a `strata worker --nats`.
// deno-lint-ignore-file no-explicit-any -- JSON answers of the API under test
import assert from "node:assert/strict";
import { natsServerPath, spawnNatsWorker, startNats } from "../lib/cluster/_test_nats.ts";
import { startServer } from "./_server.ts";

Deno.test({
  name: "nats server - with [cluster] set, cells run on a NATS worker and results come back",
  ignore: natsServerPath() === undefined,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const nats = await startNats();
    const scratch = await Deno.realPath(await Deno.makeTempDir({ prefix: "strata-natsw-" }));
    const worker = await spawnNatsWorker(nats.urls[0], "nw1", scratch);
    const s = await startServer({
      STRATA_CLUSTER: JSON.stringify({ nats_url: nats.urls[0], ack_wait_ms: 2000 }),
    });
    try {
      let r = await s.api("POST", "/v1/notebooks/create", { name: "clustered" });
      const sid = r.body.sessionId;
      const a = (await s.api("POST", `/v1/notebooks/${sid}/cells`, { source: "const base = 20" }))
        .body.cellId;
      const b = (await s.api("POST", `/v1/notebooks/${sid}/cells`, {
        source: "const where = Deno.cwd();\nconsole.log('on worker');\nbase + 22",
      })).body.cellId;
      const c = (await s.api("POST", `/v1/notebooks/${sid}/cells`, { source: "where" })).body
        .cellId;
      r = await s.api("POST", `/v1/notebooks/${sid}/run-all`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      r = await s.api("GET", `/v1/notebooks/${sid}`);
      const cell = (id: string) => r.body.cells.find((x: any) => x.id === id);
      assert.equal(cell(a).status, "ready", JSON.stringify(cell(a)));
      assert.equal(cell(b).outputs.displays[0].data, "42", JSON.stringify(cell(b)));
      const cwd = cell(c).outputs.displays[0].data as string;
      assert.ok(cwd.startsWith(scratch), `ran in the NATS worker's scratch folder, got ${cwd}`);
    } finally {
      await s.close();
      await worker.stop();
      await nats.stop();
      await Deno.remove(scratch, { recursive: true }).catch(() => {});
    }
  },
});
