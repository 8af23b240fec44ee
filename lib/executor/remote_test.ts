import assert from "node:assert/strict";
import { createWorkerApp } from "../http/worker_app.ts";
import type { Executor } from "./executor.ts";
import { remoteExecutor } from "./remote.ts";
import type { CellJob, CellResult } from "./types.ts";

const TOKEN = "test-token-0123456789";

function job(cellId: string, more: Partial<CellJob> = {}): CellJob {
  return {
    cellId,
    source: "x",
    inputs: [],
    outputs: [],
    permissions: { notebookDir: "/nb" },
    timeoutMs: 5_000,
    ...more,
  };
}

/** An executor that echoes its inputs' bytes reversed as outputs, recording what it was sent. */
function echoExecutor(seen: CellJob[], delayMs = 0): Executor {
  const runBatch = async (jobs: CellJob[], opts: { signal?: AbortSignal } = {}) => {
    seen.push(...jobs);
    if (delayMs) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          opts.signal?.removeEventListener("abort", done);
          resolve();
        };
        const t = setTimeout(done, delayMs);
        opts.signal?.addEventListener("abort", done);
      });
    }
    return jobs.map((j): CellResult => ({
      cellId: j.cellId,
      status: "ok",
      outputs: j.inputs.map((v) => ({ ...v, bytes: v.bytes.slice().reverse() })),
      displays: [{ type: "text", data: `ran ${j.cellId}` }],
      console: [{ stream: "stdout", text: "hi\n" }],
      consoleTruncated: false,
      durationMs: 1,
    }));
  };
  return {
    run: async (j, o) => (await runBatch([j], o))[0],
    runBatch,
    warm() {},
    stats: () => ({ keys: 0, idle: 0, live: 0 }),
    close: () => Promise.resolve(),
  };
}

async function withWorker(
  executor: Executor,
  fn: (url: string) => Promise<void>,
): Promise<void> {
  const app = createWorkerApp({ executor, token: TOKEN, workspaceDir: "/ws", name: "w1" });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.fetch);
  try {
    await fn(`http://127.0.0.1:${server.addr.port}`);
  } finally {
    await server.shutdown();
  }
}

Deno.test("remote executor - a batch round-trips bytes, displays and console through the worker", async () => {
  const seen: CellJob[] = [];
  await withWorker(echoExecutor(seen), async (url) => {
    const ex = remoteExecutor({ name: "w1", url, token: TOKEN });
    const bytes = new Uint8Array([0, 1, 2, 255]);
    const order: string[] = [];
    const results = await ex.runBatch([
      job("a", {
        inputs: [{ name: "v", codec: "bytes", bytes }],
        permissions: { notebookDir: "/nb", read: ["/nb/data"] },
      }),
      job("b"),
    ], { onResult: (r, i) => order.push(`${i}:${r.cellId}`) });
    assert.deepEqual(order, ["0:a", "1:b"]);
    assert.equal(results[0].status, "ok");
    assert.deepEqual(results[0].outputs[0].bytes, new Uint8Array([255, 2, 1, 0]));
    assert.deepEqual(results[1].displays, [{ type: "text", data: "ran b" }]);
    assert.deepEqual(results[1].console, [{ stream: "stdout", text: "hi\n" }]);
    // The worker sees paths rooted at its own workspace, never the server's notebook folder.
    assert.equal(seen[0].permissions.notebookDir, "/ws");
    assert.deepEqual(seen[0].permissions.read, ["/ws/data"]);
  });
});

Deno.test("remote executor - a wrong token is a crash result naming the worker and the token", async () => {
  await withWorker(echoExecutor([]), async (url) => {
    const ex = remoteExecutor({ name: "w1", url, token: "wrong-token-0123456789" });
    const r = await ex.run(job("a"));
    assert.equal(r.status, "error");
    assert.equal(r.error?.kind, "crash");
    assert.match(
      r.error!.message,
      /^Worker 'w1' at http:\/\/127\.0\.0\.1:\d+ rejected the request \(401\): invalid bearer token/,
    );
  });
});

Deno.test("remote executor - a refused connection is an 'unreachable' result for every job", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  const ex = remoteExecutor({ name: "gpu-1", url: `http://127.0.0.1:${port}`, token: TOKEN });
  const rs = await ex.runBatch([job("a"), job("b")]);
  assert.deepEqual(rs.map((r) => r.cellId), ["a", "b"]);
  for (const r of rs) {
    assert.equal(r.error?.kind, "crash");
    assert.equal(
      r.error?.message,
      `Worker 'gpu-1' at http://127.0.0.1:${port} is unreachable: connection refused`,
    );
  }
});

Deno.test("remote executor - 5xx, junk answers and timeouts become crash results", async () => {
  const answers: (() => Response | Promise<Response>)[] = [
    () => Response.json({ error: { code: "internal", message: "disk full" } }, { status: 500 }),
    () => new Response("<html>", { status: 200 }),
    () => Response.json({ protocol: 1, worker: "w", results: [] }),
    () => new Promise((resolve) => setTimeout(() => resolve(Response.json({})), 300)),
  ];
  const fake: typeof fetch = (_url, init) =>
    new Promise((resolve, reject) => {
      init?.signal?.addEventListener("abort", () => reject(init.signal!.reason));
      Promise.resolve(answers.shift()!()).then(resolve);
    });
  const ex = remoteExecutor({
    name: "w",
    url: "http://w.invalid:1",
    token: TOKEN,
    fetch: fake,
    timeoutMs: 100,
  });
  assert.match((await ex.run(job("a"))).error!.message, /failed with status 500: disk full$/);
  assert.match((await ex.run(job("a"))).error!.message, /sent an answer that is not JSON/);
  assert.match((await ex.run(job("a"))).error!.message, /sent 0 results for 1 jobs/);
  const timedOut = await ex.run(job("a"));
  assert.equal(timedOut.error?.kind, "crash");
  assert.match(
    timedOut.error!.message,
    /^Worker 'w' at http:\/\/w\.invalid:1 did not answer within 0 s$/,
  );
  await new Promise((r) => setTimeout(r, 350)); // let the fake answer settle
});

Deno.test("remote executor - cancelling aborts the request and reports 'cancelled'", async () => {
  await withWorker(echoExecutor([], 5_000), async (url) => {
    const ex = remoteExecutor({ name: "w1", url, token: TOKEN });
    const ac = new AbortController();
    const pending = ex.run(job("a"), { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    const r = await pending;
    assert.equal(r.error?.kind, "cancelled");
  });
});

Deno.test("remote executor - rejects a non-http url when created", () => {
  assert.throws(
    () => remoteExecutor({ name: "w", url: "ftp://x", token: TOKEN }),
    /must be http\(s\)/,
  );
  assert.throws(() => remoteExecutor({ name: "w", url: "not a url", token: TOKEN }), /invalid url/);
});
