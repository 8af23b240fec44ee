// A cell must not outlive its server: after `kill -9` of the server no cell process is left
// running (the child ends itself when its stdin closes or its parent changes).
import assert from "node:assert/strict";
import { startServer } from "./_server.ts";
import { childrenOf, cmdline, running } from "./_proc.ts";

Deno.test("cell processes - kill -9 of the server leaves no cell running after a second", async () => {
  const s = await startServer();
  try {
    let r = await s.api("POST", "/v1/notebooks/create", { name: "orphans" });
    const sid = r.body.sessionId;
    r = await s.api("POST", `/v1/notebooks/${sid}/cells`, {
      source: "// @timeout 120\nwhile (true) {}",
    });
    const cell = r.body.cellId;
    const pending = s.api("POST", `/v1/notebooks/${sid}/cells/${cell}/execute`).catch(() => {});
    const server = childrenOf(s.pid()).find((p) => cmdline(p).includes("serve")) ?? s.pid();
    // Wait until the looping cell's child exists (a harness child busy on a CPU).
    let cells: number[] = [];
    for (let i = 0; i < 100; i++) {
      cells = childrenOf(server).filter((p) => cmdline(p).includes("harness"));
      const busy = cells.some((p) => {
        const stat = Deno.readTextFileSync(`/proc/${p}/stat`);
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return Number(fields[11]) > 50; // utime ticks: the loop is spinning
      });
      if (busy) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.ok(cells.length > 0, "the server started cell children");
    Deno.kill(server, "SIGKILL");
    const killedAt = performance.now();
    let alive = cells.filter(running);
    while (alive.length > 0 && performance.now() - killedAt < 1_000) {
      await new Promise((res) => setTimeout(res, 20));
      alive = alive.filter(running);
    }
    assert.deepEqual(alive, [], `cell processes still running 1 s after kill -9: ${alive}`);
    await pending;
  } finally {
    await s.close();
  }
});

Deno.test("cell processes - what a cell granted run starts is killed once its run answered, through the permission-scoped server", async () => {
  // The permission-scoped server may not call Deno.kill on a process group: it starts kill(1),
  // after the answer (issue 20, WarmPool.releaseLater). A process the cell left must not survive.
  const s = await startServer();
  try {
    const sleep = ["/usr/bin/sleep", "/bin/sleep"].find((p) => Deno.statSync(p).isFile)!;
    let r = await s.api("POST", "/v1/notebooks/create", { name: "leftovers" });
    const sid = r.body.sessionId;
    r = await s.api("POST", `/v1/notebooks/${sid}/cells`, {
      source: `// @allow run=${sleep}\nconst p = new Deno.Command(${
        JSON.stringify(sleep)
      }, { args: ["300"] }).spawn();\np.pid`,
    });
    const cell = r.body.cellId;
    r = await s.api("POST", `/v1/notebooks/${sid}/approve-grants`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    r = await s.api("POST", `/v1/notebooks/${sid}/cells/${cell}/execute`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const state = r.body.state.cells.find((c: { id: string }) => c.id === cell);
    const pid = Number(state.outputs.displays[0]?.data);
    assert.ok(pid > 0, JSON.stringify(state.outputs));
    const answeredAt = performance.now();
    while (running(pid) && performance.now() - answeredAt < 5_000) {
      await new Promise((res) => setTimeout(res, 20));
    }
    assert.equal(running(pid), false, `the cell's sleep (${pid}) still runs 5 s after the answer`);
  } finally {
    await s.close();
  }
});

Deno.test("server launcher - kill -9 of the launcher stops the permission-scoped server and frees its port", async () => {
  // `kill -9 <pid of deno task start>` (the process an operator or a supervisor sees): the signal
  // cannot be passed on, so the relaunched server must notice and stop by itself. Before, it kept
  // running detached, holding the port, its sessions and (in a cluster) its notebook leases.
  const s = await startServer();
  let server: number | undefined;
  try {
    server = childrenOf(s.pid()).find((p) => cmdline(p).includes("serve"));
    assert.ok(server, "the launcher relaunched a scoped server");
    assert.equal((await s.api("GET", "/health")).status, 200);
    Deno.kill(s.pid(), "SIGKILL");
    const killedAt = performance.now();
    while (running(server) && performance.now() - killedAt < 8_000) {
      await new Promise((res) => setTimeout(res, 50));
    }
    const after = performance.now() - killedAt;
    assert.ok(
      !running(server),
      `the scoped server ${server} still runs 8 s after its launcher died`,
    );
    const answered = await fetch(`${s.url}/health`).then((r) => r.body?.cancel(), () => "refused");
    assert.equal(answered, "refused", "nothing answers on the server's port any more");
    console.log(`scoped server stopped ${after.toFixed(0)} ms after its launcher was killed`);
  } finally {
    if (server && running(server)) Deno.kill(server, "SIGKILL"); // the failure case: an orphan
    await s.close();
  }
});

Deno.test("cell processes - typed arrays past the memory cap are a memory error through a real server", async () => {
  // Through the permission-scoped server: the child itself watches its resident memory.
  const s = await startServer({ STRATA_CELL_MEMORY_MB: "96" });
  try {
    let r = await s.api("POST", "/v1/notebooks/create", { name: "greedy" });
    const sid = r.body.sessionId;
    r = await s.api("POST", `/v1/notebooks/${sid}/cells`, {
      source: "// @timeout 60\nconst keep: Uint8Array[] = [];\n" +
        "for (let i = 0; i < 16; i++) { keep.push(new Uint8Array(64 << 20).fill(1)); " +
        "await new Promise((r) => setTimeout(r, 20)); }\nkeep.length",
    });
    const cell = r.body.cellId;
    r = await s.api("POST", `/v1/notebooks/${sid}/cells/${cell}/execute`);
    const out = r.body.state.cells.find((c: { id: string }) => c.id === cell).outputs;
    const error = out.error;
    assert.equal(error?.kind, "memory", JSON.stringify(error));
    assert.match(error.message, /memory limit \(96 MB\)/);
  } finally {
    await s.close();
  }
});
