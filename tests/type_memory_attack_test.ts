// deno-lint-ignore-file no-explicit-any -- JSON answers of the HTTP API are read untyped
/**
 * Attack on the real server: anyone who may edit a notebook writes cells whose types make the
 * checker keep tens of MiB each (mapped types over 90,000 template-literal keys). The editor's
 * type checks run in a Worker inside the server's process; before its heap had a cap, 170 such
 * cells took the server to 4 GiB and 260 ended it ("Fatal JavaScript out of memory"), for every
 * user. Now the Worker stops at `type_check_memory_mb`: the server answers throughout, its RSS
 * stays bounded, other notebooks keep completions, and the notebook that did it loses type
 * checking after the second time, with a notice (issue 20; docs/security.md).
 */
import assert from "node:assert/strict";
import { startServer } from "./_server.ts";
import { childrenOf, rssMiB } from "./_proc.ts";

const hungry = (i: number) =>
  `type D${i} = "0" | "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9"
type E${i} = "a" | "b" | "c" | "d" | "e" | "f" | "g" | "h" | "i"
type M${i} = { [K in \`\${D${i}}\${D${i}}\${D${i}}\${D${i}}\${E${i}}\`]: [K] }
const v${i}: M${i} = { a: 1 }`;

/** The server process: start.ts's child. */
function serverPid(launcher: number): number {
  const [pid] = childrenOf(launcher);
  assert.ok(pid > 0, "the launcher has started the server");
  return pid;
}

Deno.test("type memory attack - cells whose types outgrow the checker's memory cap stop the type Worker, never the server; the notebook loses type checking, others keep it", async () => {
  const s = await startServer({ STRATA_TYPE_CHECK_MEMORY_MB: "256" });
  let peak = 0;
  let down = 0;
  let watching = true;
  const pid = serverPid(s.pid());
  const watch = (async () => {
    while (watching) {
      peak = Math.max(peak, rssMiB(pid));
      const h = await fetch(`${s.url}/health`).then((r) => (r.body?.cancel(), r.status), () => 0);
      if (h !== 200) down++;
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  try {
    // Someone else's notebook, with completions working.
    let r = await s.api("POST", "/v1/notebooks/create", { name: "victim" });
    const victim = r.body.sessionId;
    await s.api("POST", `/v1/notebooks/${victim}/cells`, { source: "const n: number = 1" });
    r = await s.api("POST", `/v1/notebooks/${victim}/cells`, { source: "n" });
    const complete = `/v1/notebooks/${victim}/cells/${r.body.cellId}/complete`;
    const labels = async () =>
      (await s.api("POST", complete, { source: "n.to", offset: 4 })).body.items?.map((
        i: any,
      ) => i.label);
    assert.ok((await labels()).includes("toFixed"));

    // The attacker's notebook: 40 hungry cells (unbounded, they would take ≈1.5 GiB).
    r = await s.api("POST", "/v1/notebooks/create", { name: "hungry" });
    const evil = r.body.sessionId;
    const cells: string[] = [];
    for (let i = 0; i < 40; i++) {
      r = await s.api("POST", `/v1/notebooks/${evil}/cells`, { source: hungry(i) });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      cells.push(r.body.cellId);
    }
    const until = async (what: string, ok: () => boolean | Promise<boolean>) => {
      for (const end = Date.now() + 90_000; !(await ok());) {
        if (Date.now() > end) {
          throw new Error(
            `timed out waiting for ${what} (RSS peak ${peak.toFixed(0)} MiB):\n${s.logs()}`,
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await until("the first stop", () => s.logs().includes("type checking restarts"));
    assert.match(s.logs(), /needed more than its 256 MiB of memory/);
    // The attacker edits again: the service is built again, and stopped again.
    r = await s.api("PUT", `/v1/notebooks/${evil}/cells/${cells[0]}`, { source: hungry(40) });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await until("type checking off", () => s.logs().includes("type checking is off"));
    // The notebook says so on its first cell; the server never went down nor restarted.
    await until("the notice", async () => {
      const state = (await s.api("GET", `/v1/notebooks/${evil}`)).body;
      return state.cells[0].diagnostics.some((d: any) => d.code === "types-suspended");
    });
    assert.equal(serverPid(s.pid()), pid, "the same server process");
    assert.equal(down, 0, "every /health answered 200");
    assert.ok(peak < 800, `the server's RSS peaked at ${peak.toFixed(0)} MiB`);
    // Everyone else still has completions (from a new Worker).
    assert.ok((await labels()).includes("toFixed"));
  } finally {
    watching = false;
    await watch;
    await s.close();
  }
});
