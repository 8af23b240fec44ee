/**
 * Issue 20: a real, permission-scoped server (start.ts → launcher → server) runs its cell
 * children at a lower CPU priority than itself, so that with many cells starting at once its
 * requests do not wait for a CPU behind them (docs/performance.md, "p99"). The server needs
 * `--allow-sys=setPriority` for it (lib/launcher/permissions.ts); without the grant the children
 * silently kept the server's priority.
 */
import assert from "node:assert/strict";
import { startServer } from "./_server.ts";

function nice(pid: number, tid = pid): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/task/${tid}/stat`);
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
}

/** Processes whose command line contains every one of `parts`. */
function processes(...parts: string[]): number[] {
  return [...Deno.readDirSync("/proc")].flatMap((e) => {
    if (!/^\d+$/.test(e.name)) return [];
    try {
      const cmd = Deno.readTextFileSync(`/proc/${e.name}/cmdline`);
      return parts.every((p) => cmd.includes(p)) ? [Number(e.name)] : [];
    } catch {
      return [];
    }
  });
}

Deno.test({
  name: "child priority - a real server's cell children run at nice 10 below it",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const s = await startServer();
    try {
      let r = await s.api("POST", "/v1/notebooks/create", { name: "nice" });
      const sid = r.body.sessionId;
      r = await s.api("POST", `/v1/notebooks/${sid}/cells`, { source: "6 * 7" });
      r = await s.api("POST", `/v1/notebooks/${sid}/cells/${r.body.cellId}/execute`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const data = await Deno.realPath(`${s.dir}/data`);
      // A warm child that has started the Worker its cell code will run in ("worker-N"): by
      // then the server has set its priority (right after the spawn; a child caught in the
      // middle of its spawn still has the server's).
      const realm = (pid: number) => {
        try {
          return [...Deno.readDirSync(`/proc/${pid}/task`)].flatMap((t) => {
            const name = Deno.readTextFileSync(`/proc/${pid}/task/${t.name}/comm`).trim();
            return /^worker-\d+$/.test(name) ? [Number(t.name)] : [];
          });
        } catch {
          return []; // it exited
        }
      };
      let ready: number[] = [];
      for (let i = 0; i < 500 && ready.length === 0; i++) {
        ready = processes("harness", `${data}/tmp`).filter((pid) => realm(pid).length > 0);
        if (ready.length === 0) await new Promise((res) => setTimeout(res, 20));
      }
      assert.ok(ready.length >= 1, "the pool keeps a warm child");
      const want = Math.min(19, nice(s.pid()) + 10); // the launcher's, which the server inherits
      for (const pid of ready) {
        assert.equal(nice(pid), want, `child ${pid}`);
        for (const tid of realm(pid)) assert.equal(nice(pid, tid), want, `its cell Worker ${tid}`);
      }
      assert.doesNotMatch(s.logs(), /NotCapable|Requires sys access/);
    } finally {
      await s.close();
    }
  },
});
