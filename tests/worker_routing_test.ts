// `// @worker <name>` routes a cell to the `[[workers]]` entry of notebook.toml, through a real
// server: the cell's output comes from the worker, and an unknown worker is a clear cell error.
// deno-lint-ignore-file no-explicit-any -- JSON answers of the API under test
import assert from "node:assert/strict";
import { runWorker } from "../lib/worker/run.ts";
import { startServer } from "./_server.ts";

const TOKEN = "worker-token-0123456789abcdef";

Deno.test("worker routing - a @worker cell runs on the named worker, others locally", async () => {
  const scratch = await Deno.makeTempDir();
  const worker = await runWorker({
    host: "127.0.0.1",
    port: 0,
    token: TOKEN,
    scratchRoot: scratch,
    name: "w1",
    childEnv: { HOME: Deno.env.get("HOME") ?? scratch },
  });
  const s = await startServer({
    STRATA_WORKER_W1_TOKEN: TOKEN,
    STRATA_OUTBOUND_HOSTS: `127.0.0.1:${worker.addr.port}`,
  });
  try {
    let r = await s.api("POST", "/v1/notebooks/create", { name: "routed" });
    const sid = r.body.sessionId;
    const manifest = `${s.dir}/notebooks/routed/notebook.toml`;
    await Deno.writeTextFile(
      manifest,
      (await Deno.readTextFile(manifest)) +
        `\n[[workers]]\nname = "w1"\nurl = "${worker.url}"\ntoken_env = "STRATA_WORKER_W1_TOKEN"\n`,
    );
    r = await s.api("POST", "/v1/notebooks/open", { path: "routed" });
    const local =
      (await s.api("POST", `/v1/notebooks/${sid}/cells`, { source: "const base = 20" })).body
        .cellId;
    const remote = (await s.api("POST", `/v1/notebooks/${sid}/cells`, {
      source: "// @worker w1\nconst where = Deno.cwd()\nbase + 22",
    })).body.cellId;
    const nowhere =
      (await s.api("POST", `/v1/notebooks/${sid}/cells`, { source: "// @worker nope\n1" })).body
        .cellId;

    r = await s.api("POST", `/v1/notebooks/${sid}/cells/${remote}/execute`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const cell = (id: string) => r.body.state.cells.find((c: any) => c.id === id);
    assert.equal(cell(local).status, "ready");
    assert.equal(cell(remote).outputs.displays[0].data, "42");
    const where =
      (await s.api("POST", `/v1/notebooks/${sid}/cells`, { source: "where" })).body.cellId;
    r = await s.api("POST", `/v1/notebooks/${sid}/cells/${where}/execute`);
    const cwd = cell(where).outputs.displays[0].data;
    assert.ok(
      cwd.startsWith(await Deno.realPath(scratch)),
      `ran in the worker's workspace, got ${cwd}`,
    );

    r = await s.api("POST", `/v1/notebooks/${sid}/cells/${nowhere}/execute`);
    assert.match(cell(nowhere).outputs.error.message, /no \[\[workers\]\] entry named 'nope'/);
  } finally {
    await s.close();
    await worker.shutdown();
    await Deno.remove(scratch, { recursive: true });
  }
});
