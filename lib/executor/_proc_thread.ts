/**
 * The thread that owns the cell child processes (see `_proc_host.ts`): it starts them (the
 * costly fork happens here, not on the server's event loop), writes their stdin, relays their
 * stdout/stderr chunks and exit status, and kills their process groups. It runs only Strata's
 * code, never cell code; it holds no nonce and parses no frames.
 */

import { killGroup, spawnInline, type ThreadReport, type ThreadRequest } from "./_proc_host.ts";

interface Owned {
  proc: Deno.ChildProcess;
  writer: WritableStreamDefaultWriter<Uint8Array>;
}

const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<ThreadRequest>) => void) | null;
  postMessage: (message: ThreadReport, transfer?: Transferable[]) => void;
};
const owned = new Map<number, Owned>();
/** Group ids stay known after the leader exits: what the cell started in the background may not. */
const groups = new Map<number, number>();
const killed = new Set<number>();
const post = (m: ThreadReport, transfer: Transferable[] = []) => scope.postMessage(m, transfer);

async function pump(id: number, stream: ReadableStream<Uint8Array>, kind: "out" | "err") {
  try {
    for await (const chunk of stream) {
      const whole = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength;
      const c = whole ? chunk : chunk.slice();
      post({ t: kind, id, chunk: c }, [c.buffer]);
    }
  } catch { /* the pipe broke: the process is gone */ }
  post({ t: kind === "out" ? "out-end" : "err-end", id });
}

scope.onmessage = (e) => {
  const m = e.data;
  switch (m.t) {
    case "spawn": {
      let proc: Deno.ChildProcess;
      try {
        proc = spawnInline(m.spec);
      } catch (err) {
        post({ t: "failed", id: m.id, message: err instanceof Error ? err.message : String(err) });
        return;
      }
      owned.set(m.id, { proc, writer: proc.stdin.getWriter() });
      groups.set(m.id, proc.pid);
      post({ t: "spawned", id: m.id, pid: proc.pid });
      void pump(m.id, proc.stdout, "out");
      void pump(m.id, proc.stderr, "err");
      void proc.status.then((status) => {
        const o = owned.get(m.id);
        owned.delete(m.id);
        if (killed.delete(m.id)) groups.delete(m.id);
        void o?.writer.close().catch(() => {});
        post({ t: "exit", id: m.id, status });
      });
      return;
    }
    case "write":
      // Errors mean the child is gone: its frames end and its status says how.
      void owned.get(m.id)?.writer.write(m.bytes).catch(() => {});
      return;
    case "close-stdin":
      void owned.get(m.id)?.writer.close().catch(() => {});
      return;
    case "kill": {
      const pid = groups.get(m.id);
      const o = owned.get(m.id);
      if (pid !== undefined) killGroup(pid, o?.proc);
      if (o) killed.add(m.id);
      else groups.delete(m.id); // exited and its group killed: nothing more to end
      return;
    }
  }
};
