// Issue 14 item 2 through the real server: a running cell's lines reach the socket before it
// ends (redacted of secrets), and a server killed mid-batch keeps every cell that had finished.
import assert from "node:assert/strict";
import type { SocketEnvelope } from "../lib/protocol/socket_events.ts";
import { startServer } from "./_server.ts";

/** A socket that queues envelopes; `next(type)` waits (at most `ms`) for the next one of that type. */
function open(url: string) {
  const ws = new WebSocket(url);
  const seen: SocketEnvelope[] = [];
  const all: SocketEnvelope[] = [];
  const waiters: (() => void)[] = [];
  ws.onmessage = (e) => {
    const env = JSON.parse(String(e.data));
    seen.push(env);
    all.push(env);
    waiters.splice(0).forEach((w) => w());
  };
  const opened = new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  async function next<T extends SocketEnvelope["type"]>(
    type: T,
    where: (e: Extract<SocketEnvelope, { type: T }>) => boolean = () => true,
    ms = 90_000,
  ): Promise<Extract<SocketEnvelope, { type: T }>> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = seen.findIndex((e) => e.type === type && where(e as never));
      if (i >= 0) return seen.splice(0, i + 1).at(-1) as Extract<SocketEnvelope, { type: T }>;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`no '${type}' event within ${ms} ms; got ${all.map((e) => e.type)}`);
      }
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, left);
      });
    }
  }
  return { ws, opened, next, all };
}

/** The scoped server process under the launcher. */
function serverPid(launcher: number): number {
  for (const t of Deno.readDirSync(`/proc/${launcher}/task`)) {
    const kids = Deno.readTextFileSync(`/proc/${launcher}/task/${t.name}/children`).trim();
    for (const pid of kids ? kids.split(/\s+/).map(Number) : []) {
      const cmd = Deno.readTextFileSync(`/proc/${pid}/cmdline`).replaceAll("\0", " ");
      if (cmd.includes("serve")) return pid;
    }
  }
  return launcher;
}

const SECRET = "postgres://live:hunter2-9f3c@db/x";

Deno.test({
  name:
    "live results - a cell logging once a second shows its first line on the socket before it ends, secrets redacted",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const s = await startServer();
    let sock: ReturnType<typeof open> | undefined;
    try {
      let r = await s.api("POST", "/v1/notebooks/create", { name: "Live", path: "live" });
      const sid = r.body.sessionId;
      r = await s.api("PUT", `/v1/notebooks/${sid}/env`, {
        values: { DATABASE_URL: SECRET },
        secret: { DATABASE_URL: true },
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      // It logs once a second until the test answers its first line (a file "go" beside the
      // notebook): without streaming it would log until its timeout and end as an error.
      r = await s.api("POST", `/v1/notebooks/${sid}/cells`, {
        source: `// @timeout 60
console.log("tick 0 via", Deno.env.get("DATABASE_URL"));
display(md(\`connected to **\${Deno.env.get("DATABASE_URL")}**\`));
let ticks = 1;
while (true) {
  try { await Deno.stat("go"); break; } catch { /* not yet */ }
  await new Promise((r) => setTimeout(r, 1000));
  console.log("tick", ticks++);
}
ticks`,
      });
      const cellId = r.body.cellId;
      sock = open(`ws://127.0.0.1:${s.port}/v1/notebooks/ws/${sid}`);
      await sock.opened;
      await sock.next("notebook_state");
      sock.ws.send(JSON.stringify({ type: "cell_execute", payload: { cellId } }));
      await sock.next("cell_status", (e) => e.payload.status === "running");
      const first = await sock.next("cell_console", (e) => e.payload.live === true);
      assert.equal(first.payload.cellId, cellId);
      assert.equal(first.payload.entries[0].text, "tick 0 via [secret:DATABASE_URL]\n");
      const shown = await sock.next("cell_display");
      assert.deepEqual(shown.payload, {
        cellId,
        display: { type: "markdown", data: "connected to **[secret:DATABASE_URL]**" },
      });
      assert.ok(
        !sock.all.some((e) => e.type === "cell_output"),
        "the line and the display arrived while the cell was running",
      );
      await Deno.writeTextFile(`${s.dir}/notebooks/live/go`, "");
      const out = await sock.next("cell_output");
      assert.equal(out.payload.error, null, JSON.stringify(out.payload.error));
      assert.equal(out.payload.console[0].text, "tick 0 via [secret:DATABASE_URL]\n");
      assert.ok(!JSON.stringify(sock.all).includes("hunter2"), "no secret on the socket");
    } finally {
      sock?.ws.close();
      await s.close();
    }
  },
});

Deno.test({
  name:
    "live results - kill -9 of the server mid-batch keeps every cell that finished (reopen restores them)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const s = await startServer();
    let sock: ReturnType<typeof open> | undefined;
    try {
      let r = await s.api("POST", "/v1/notebooks/create", { name: "Crash", path: "crash" });
      const sid = r.body.sessionId;
      // Six chained cells share one child; the last never ends on its own.
      const ids: string[] = [];
      const sources = [
        'const v1 = 1;\nconsole.log("cell 1 done")',
        ...[2, 3, 4, 5].map((n) => `const v${n} = v${n - 1} + 1;\nconsole.log("cell ${n} done")`),
        '// @timeout 120\nconsole.log("cell 6 waits");\nawait new Promise(() => setInterval(() => {}, 1000));\nconst v6 = v5 + 1',
      ];
      for (const source of sources) {
        r = await s.api("POST", `/v1/notebooks/${sid}/cells`, { source });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        ids.push(r.body.cellId);
      }
      sock = open(`ws://127.0.0.1:${s.port}/v1/notebooks/ws/${sid}`);
      await sock.opened;
      await sock.next("notebook_state");
      sock.ws.send(JSON.stringify({ type: "notebook_run_all", payload: {} }));
      for (const id of ids.slice(0, 5)) {
        const done: Extract<SocketEnvelope, { type: "cell_status" }> = await sock.next(
          "cell_status",
          (e) => e.payload.cellId === id && e.payload.status !== "running",
        );
        assert.equal(done.payload.status, "ready");
      }
      // Cell 6 is running (its line may have come before cell 5 was shown: look at all events).
      const waits = (e: SocketEnvelope) =>
        e.type === "cell_console" && e.payload.cellId === ids[5] && e.payload.live === true;
      if (!sock.all.some(waits)) await sock.next("cell_console", waits);
      sock.ws.close();
      sock = undefined;
      Deno.kill(serverPid(s.pid()), "SIGKILL");
      await s.restart();

      r = await s.api("POST", "/v1/notebooks/open", { path: "crash" });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const cells = r.body.cells as {
        id: string;
        status: string;
        outputs: { console: { text: string }[] } | null;
      }[];
      assert.equal(cells.length, 6);
      const restored = cells.filter((c) => c.outputs !== null);
      assert.equal(restored.length, 5, `restored ${restored.length} of 5 finished cells`);
      cells.slice(0, 5).forEach((c, i) => {
        assert.equal(c.status, "ready", `cell ${i + 1}`);
        assert.equal(c.outputs?.console[0]?.text, `cell ${i + 1} done\n`);
      });
      assert.equal(cells[5].outputs, null, "the unfinished cell has nothing to restore");
    } finally {
      sock?.ws.close();
      await s.close();
    }
  },
});
