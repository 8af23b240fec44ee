// The session socket speaks the typed protocol (lib/protocol): the first message is the state,
// events are tagged, malformed client messages get an `error` event and change nothing.
import assert from "node:assert/strict";
import type { SocketEnvelope } from "../lib/protocol/socket_events.ts";
import { startServer } from "./_server.ts";

/** A socket that queues envelopes; `next(type)` waits for the next one of that type. */
function open(url: string) {
  const ws = new WebSocket(url);
  const seen: SocketEnvelope[] = [];
  const waiters: (() => void)[] = [];
  ws.onmessage = (e) => {
    seen.push(JSON.parse(String(e.data)));
    waiters.splice(0).forEach((w) => w());
  };
  const opened = new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  async function next<T extends SocketEnvelope["type"]>(
    type: T,
    where: (e: Extract<SocketEnvelope, { type: T }>) => boolean = () => true,
  ): Promise<Extract<SocketEnvelope, { type: T }>> {
    for (;;) {
      const i = seen.findIndex((e) => e.type === type && where(e as never));
      if (i >= 0) return seen.splice(0, i + 1).at(-1) as Extract<SocketEnvelope, { type: T }>;
      await new Promise<void>((r) => waiters.push(r));
    }
  }
  return { ws, opened, next };
}

Deno.test({
  name: "ws protocol - typed state first, refused messages answer an error and run nothing",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer();
    let sock: ReturnType<typeof open> | undefined;
    try {
      const created = await server.api("POST", "/v1/notebooks/create", { name: "WS", path: "ws" });
      const sid = created.body.sessionId;
      const added = await server.api("POST", `/v1/notebooks/${sid}/cells`, { source: "6 * 7" });
      const cellId = added.body.cellId;
      sock = open(`ws://127.0.0.1:${server.port}/v1/notebooks/ws/${sid}`);
      await sock.opened;
      const first = await sock.next("notebook_state");
      assert.equal(first.payload.sessionId, sid);
      assert.equal(first.payload.cells.length, 1);
      assert.equal(first.payload.cells[0].id, cellId);

      const refused: unknown[] = [
        "{not json",
        { type: "cell_execute", payload: { cellId, mode: "yolo" } },
        { type: "cell_source_update", payload: { cellId, source: 42 } },
        { type: "cell_execute", payload: {} },
        { type: "shell_exec", payload: { cmd: "id" } },
        { type: "command", payload: { id: "q1", command: "shell.exec", input: {} } },
      ];
      for (const msg of refused) {
        sock.ws.send(typeof msg === "string" ? msg : JSON.stringify(msg));
        const err: Extract<SocketEnvelope, { type: "error" }> = await sock.next("error");
        // The same code and status the HTTP API answers for bad input, and a reason to read.
        assert.equal(err.payload.code, "invalid_request", JSON.stringify(msg));
        assert.equal(err.payload.status, 400);
        assert.ok(err.payload.message.length > 10, err.payload.message);
      }
      const after = await server.api("GET", `/v1/notebooks/${sid}`);
      assert.equal(after.body.cells[0].source, "6 * 7", "no edit went through");
      assert.equal(after.body.cells[0].outputs, null, "nothing ran");

      sock.ws.send(JSON.stringify({ type: "cell_execute", payload: { cellId } }));
      await sock.next("cell_status", (e) => e.payload.status === "running");
      const out = await sock.next("cell_output");
      assert.equal(out.payload.cellId, cellId);
      assert.deepEqual(out.payload.displays, [{ type: "text", data: "42" }]);
      const done = await sock.next("cell_status", (e) => e.payload.status !== "running");
      assert.equal(done.payload.status, "ready");
      assert.equal(done.payload.cacheHit, false);
    } finally {
      sock?.ws.close();
      await server.close();
    }
  },
});
