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
      let children: number[] = [];
      for (let i = 0; i < 250 && children.length === 0; i++) {
        children = processes("harness", `${data}/tmp`);
        if (children.length === 0) await new Promise((res) => setTimeout(res, 20));
      }
      assert.ok(children.length >= 1, "the pool keeps a warm child");
      const base = nice(s.pid()); // the launcher's, which the server it starts inherits
      for (const pid of children) assert.equal(nice(pid), Math.min(19, base + 10), `child ${pid}`);
      assert.doesNotMatch(s.logs(), /NotCapable|Requires sys access/);
    } finally {
      await s.close();
    }
  },
});
