// The reference worker as a real process: cells run on it through remoteExecutor, a wrong token
// is a clear error, and killing it mid-run is a clear error until it is back.
import assert from "node:assert/strict";
import { encodeValue } from "../lib/executor/codecs.ts";
import { remoteExecutor } from "../lib/executor/remote.ts";
import type { CellJob } from "../lib/executor/types.ts";
import { freePort } from "./_server.ts";

const entry = new URL("../lib/worker/main.ts", import.meta.url).pathname;
const TOKEN = "worker-test-token-0123456789";

interface WorkerProcess {
  url: string;
  kill(signal?: Deno.Signal): Promise<void>;
  logs(): string;
}

/** Starts `lib/worker/main.ts`; `inProcess` skips the permission-scoped relaunch (one pid). */
async function startWorker(
  port: number,
  scratch: string,
  inProcess = false,
): Promise<WorkerProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      entry,
      "--port",
      String(port),
      "--name",
      "gpu-1",
      ...(inProcess ? ["--in-process"] : []),
    ],
    env: {
      STRATA_WORKER_TOKEN: TOKEN,
      STRATA_WORKER_SCRATCH_DIR: scratch,
      HOME: Deno.env.get("HOME") ?? scratch,
      PATH: Deno.env.get("PATH") ?? "",
      NO_COLOR: "1",
    },
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let log = "";
  while (!log.includes("Strata worker is ready")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`worker exited before ready:\n${log}`);
    log += value;
  }
  const drained = (async () => {
    for (let r = await reader.read(); !r.done; r = await reader.read()) log += r.value;
  })();
  return {
    url: /url=(\S+)/.exec(log)![1],
    logs: () => log,
    async kill(signal = "SIGTERM") {
      try {
        child.kill(signal);
      } catch { /* gone */ }
      await child.status;
      await drained;
    },
  };
}

function job(cellId: string, source: string, more: Partial<CellJob> = {}): CellJob {
  return {
    cellId,
    source,
    inputs: [],
    outputs: [],
    permissions: { notebookDir: "/nonexistent/on/the/worker" },
    timeoutMs: 20_000,
    ...more,
  };
}

Deno.test("worker - a cell runs on a permission-scoped worker process with the expected output", async () => {
  const scratch = await Deno.makeTempDir({ prefix: "strata-worker-" });
  const worker = await startWorker(freePort(), scratch);
  try {
    const health = await (await fetch(`${worker.url}/health`)).json();
    assert.equal(health.status, "ok");
    assert.equal(health.name, "gpu-1");
    const ex = remoteExecutor({ name: "gpu-1", url: worker.url, token: TOKEN });
    const x = encodeValue("x", 2);
    assert.ok(x.ok);
    const [a, b] = await ex.runBatch([
      job("a", "console.log('on the worker');\nconst y = x * 21;\ny", {
        inputs: [x.value],
        outputs: ["y"],
      }),
      job("b", "`${y}!`", { carry: ["y"] }),
    ]);
    assert.equal(a.status, "ok", a.error?.message);
    assert.deepEqual(a.displays, [{ type: "text", data: "42" }]);
    assert.deepEqual(a.console.map((c) => c.text.trim()), ["on the worker"]);
    assert.equal(new TextDecoder().decode(a.outputs[0].bytes), "42");
    assert.equal(b.status, "ok", b.error?.message);
    assert.deepEqual(b.displays, [{ type: "text", data: "42!" }]);
    // Cell permissions are the worker's children's, not the worker's: no net unless granted.
    const denied = await ex.run(job("c", `await fetch('http://127.0.0.1:${freePort()}/')`));
    assert.equal(denied.status, "error");
    assert.equal(denied.error?.kind, "permission");
  } finally {
    await worker.kill();
    await Deno.remove(scratch, { recursive: true });
  }
});

Deno.test("worker - a wrong token gives a clear error result, not a throw", async () => {
  const scratch = await Deno.makeTempDir({ prefix: "strata-worker-" });
  const worker = await startWorker(freePort(), scratch, true);
  try {
    const ex = remoteExecutor({
      name: "gpu-1",
      url: worker.url,
      token: "not-the-token-0123456789",
    });
    const r = await ex.run(job("a", "1 + 1"));
    assert.equal(r.status, "error");
    assert.equal(r.error?.kind, "crash");
    assert.equal(
      r.error?.message,
      `Worker 'gpu-1' at ${worker.url} rejected the request (401): invalid bearer token. ` +
        "Check the worker's token (the [[workers]] token_env variable)",
    );
  } finally {
    await worker.kill();
    await Deno.remove(scratch, { recursive: true });
  }
});

Deno.test("worker - killing the worker mid-run is a clear error; the next run succeeds once it is back", async () => {
  const scratch = await Deno.makeTempDir({ prefix: "strata-worker-" });
  const port = freePort();
  let worker = await startWorker(port, scratch, true);
  try {
    const ex = remoteExecutor({ name: "gpu-1", url: worker.url, token: TOKEN });
    const running = ex.run(job("slow", "await new Promise((r) => setTimeout(r, 3000));\n'done'"));
    await new Promise((r) => setTimeout(r, 800));
    await worker.kill("SIGKILL");
    const lost = await running;
    assert.equal(lost.status, "error");
    assert.equal(lost.error?.kind, "crash");
    assert.match(
      lost.error!.message,
      new RegExp(
        `^Worker 'gpu-1' at http://127\\.0\\.0\\.1:${port} lost the connection during the run`,
      ),
    );

    const down = await ex.run(job("next", "1 + 1"));
    assert.equal(
      down.error?.message,
      `Worker 'gpu-1' at http://127.0.0.1:${port} is unreachable: connection refused`,
    );

    worker = await startWorker(port, scratch, true);
    const back = await ex.run(job("next", "1 + 1"));
    assert.equal(back.status, "ok", back.error?.message);
    assert.deepEqual(back.displays, [{ type: "text", data: "2" }]);
  } finally {
    await worker.kill();
    // The killed worker's sleeping cell child ends on its own within the sleep.
    await Deno.remove(scratch, { recursive: true }).catch(() => {});
  }
});
