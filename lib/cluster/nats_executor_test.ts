import assert from "node:assert/strict";
import { decodeValue, encodeValue } from "../executor/codecs.ts";
import { createExecutor, type Executor } from "../executor/executor.ts";
import type { CellJob, CellResult, EncodedValue } from "../executor/types.ts";
import { connectNats } from "./jetstream.ts";
import { type NatsExecutor, natsExecutor, type NatsExecutorOptions } from "./nats_executor.ts";
import { type NatsWorker, startNatsWorker } from "./nats_worker.ts";
import { startNats } from "./_test_nats.ts";
import type { ClusterNames } from "./protocol.ts";

interface Fixture {
  ex: NatsExecutor;
  workers: NatsWorker[];
  workspace: string;
  job(cellId: string, source: string, more?: Partial<CellJob>): CellJob;
}

const opts = { sanitizeOps: false, sanitizeResources: false };

/** A NATS server of its own, an executor, and `workerCount` in-process workers. */
async function withCluster(
  workerCount: number,
  fn: (f: Fixture) => Promise<void>,
  more: { executor?: Partial<NatsExecutorOptions>; natsArgs?: string[]; maxActive?: number } = {},
): Promise<void> {
  const nats = await startNats({ args: more.natsArgs });
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "strata-natsx-" }));
  const workspace = `${dir}/workspace`;
  await Deno.mkdir(workspace);
  const names: ClusterNames = { stream: "T_EXEC", prefix: "texec" };
  const home = Deno.env.get("HOME");
  const nc = await connectNats({ servers: nats.urls, name: "test-server" });
  const ex = await natsExecutor({
    nc,
    ownsConnection: true,
    names,
    ackWaitMs: 2000,
    ...more.executor,
  });
  const workers: NatsWorker[] = [];
  for (let i = 0; i < workerCount; i++) {
    workers.push(
      await startNatsWorker({
        nc: await connectNats({ servers: nats.urls, name: `w${i}` }),
        ownsConnection: true,
        executor: createExecutor({ scratchRoot: dir, childEnv: home ? { HOME: home } : {} }),
        workspaceDir: workspace,
        name: `w${i}`,
        names,
        maxActive: more.maxActive,
        discoverMs: 200,
      }),
    );
  }
  const job = (cellId: string, source: string, extra: Partial<CellJob> = {}): CellJob => ({
    cellId,
    source,
    inputs: [],
    outputs: [],
    permissions: { notebookDir: "/server/notebooks/nb" },
    timeoutMs: 20_000,
    ...extra,
  });
  try {
    await fn({ ex, workers, workspace, job });
  } finally {
    await ex.close();
    await Promise.all(workers.map((w) => w.shutdown()));
    await nats.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

function enc(name: string, value: unknown): EncodedValue {
  const e = encodeValue(name, value);
  assert.ok(e.ok);
  return e.value;
}

function value(r: CellResult, name: string): unknown {
  const v = r.outputs.find((o) => o.name === name);
  assert.ok(v, `no output ${name} in ${JSON.stringify(r.error ?? r.outputs.map((o) => o.name))}`);
  return decodeValue(v);
}

Deno.test(
  "nats executor - a worker on NATS runs a batch: inputs, carried values, console, displays",
  opts,
  async () => {
    await withCluster(1, async ({ ex, job }) => {
      const consoleSeen: string[] = [];
      const order: number[] = [];
      const results = await ex.forScope({ tenantHash: "a1b2c3d4e5f60718" }).runBatch([
        job("c1", "const y = x * 21;\nconsole.log('y is', y);\ny", {
          inputs: [enc("x", 2)],
          outputs: ["y"],
        }),
        job("c2", "const z = [y, y + 1];\nz", { carry: ["y"], outputs: ["z"] }),
      ], {
        onResult: (_r, i) => order.push(i),
        onConsole: (e) => consoleSeen.push(e.text),
      });
      assert.equal(results.length, 2);
      assert.equal(results[0].status, "ok", results[0].error?.message);
      assert.equal(results[1].status, "ok", results[1].error?.message);
      assert.equal(value(results[0], "y"), 42);
      assert.deepEqual(value(results[1], "z"), [42, 43]);
      assert.deepEqual(results[0].displays, [{ type: "text", data: "42" }]);
      assert.deepEqual(order, [0, 1]);
      assert.ok(consoleSeen.join("").includes("y is 42"), consoleSeen.join(""));
    });
  },
);

Deno.test(
  "nats executor - the job's permissions apply on the worker: no net grant, no host paths",
  opts,
  async () => {
    await withCluster(1, async ({ ex, job }) => {
      const [net] = await ex.runBatch([
        job("n", "await fetch('http://127.0.0.1:18089/')", { timeoutMs: 10_000 }),
      ]);
      assert.equal(net.status, "error");
      assert.equal(net.error?.kind, "permission", net.error?.message);
      // An attacker-controlled job naming the worker's own disk is refused before it runs.
      const [etc] = await ex.runBatch([
        job("e", "Deno.readTextFileSync('/etc/passwd')", {
          permissions: { notebookDir: "/server/notebooks/nb", read: ["/etc"] },
        }),
      ]);
      assert.equal(etc.status, "error");
      assert.equal(etc.error?.kind, "permission");
      assert.match(etc.error!.message, /outside its workspace: \/etc/);
    });
  },
);

Deno.test("nats executor - cancelling a running job stops it on the worker", opts, async () => {
  await withCluster(1, async ({ ex, workers, job }) => {
    const abort = new AbortController();
    const started = performance.now();
    const run = ex.runBatch(
      [job("slow", "console.log('go');\nawait new Promise((r) => setTimeout(r, 60_000));")],
      { signal: abort.signal, onConsole: () => abort.abort() },
    );
    const [r] = await run;
    assert.equal(r.error?.kind, "cancelled");
    assert.ok(performance.now() - started < 50_000);
    for (let i = 0; i < 100 && workers[0].active() > 0; i++) {
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal(workers[0].active(), 0, "the worker still runs the cancelled job");
  });
});

Deno.test(
  "nats executor - a tenant's jobs never run beyond its consumer's bound, another tenant's meanwhile do",
  opts,
  async () => {
    await withCluster(1, async ({ ex, job }) => {
      const span =
        "const s = Date.now();\nawait new Promise((r) => setTimeout(r, 400));\nconst span = [s, Date.now()];";
      const a = ex.forScope({ tenantHash: "tenantaaaa" });
      const b = ex.forScope({ tenantHash: "tenantbbbb" });
      const runs = await Promise.all([
        a.run(job("a1", span, { outputs: ["span"] })),
        a.run(job("a2", span, { outputs: ["span"] })),
        a.run(job("a3", span, { outputs: ["span"] })),
        b.run(job("b1", span, { outputs: ["span"] })),
      ]);
      assert.equal(runs.length, 4);
      for (const r of runs) assert.equal(r.status, "ok", r.error?.message);
      const spans = runs.map((r) => value(r, "span") as [number, number]);
      const aSpans = spans.slice(0, 3).sort((x, y) => x[0] - y[0]);
      for (let i = 1; i < aSpans.length; i++) {
        assert.ok(
          aSpans[i][0] >= aSpans[i - 1][1],
          `tenant A ran two jobs at once: ${JSON.stringify(aSpans)}`,
        );
      }
      // Tenant B did not wait for tenant A's queue: it started before A's last job.
      assert.ok(spans[3][0] < aSpans[2][0], `tenant B waited: ${JSON.stringify(spans)}`);
    }, { executor: { tenantMaxInteractive: 1 }, maxActive: 4 });
  },
);

Deno.test(
  "nats executor - with no worker the cells fail with a message naming the queue",
  opts,
  async () => {
    await withCluster(0, async ({ ex, job }) => {
      const [r] = await ex.runBatch([job("c", "1")]);
      assert.equal(r.status, "error");
      assert.equal(r.error?.kind, "crash");
      assert.match(r.error!.message, /not picked up by any worker/);
    }, { executor: { queueTimeoutMs: 1500 } });
  },
);

Deno.test(
  "nats executor - a job larger than the server's max_payload fails clearly",
  opts,
  async () => {
    await withCluster(1, async ({ ex, job }) => {
      const big = enc("big", "x".repeat(1_500_000));
      const [r] = await ex.runBatch([job("c", "big.length", { inputs: [big] })]);
      assert.equal(r.status, "error");
      assert.match(r.error!.message, /max_payload/);
    });
  },
);

Deno.test(
  "nats executor - a worker too slow to show progress is stopped when its job starts elsewhere",
  opts,
  async () => {
    const nats = await startNats();
    const names: ClusterNames = { stream: "S_EXEC", prefix: "sexec" };
    const runs: { worker: string; aborted: boolean; completed: boolean }[] = [];
    /** Runs for 2.5 s unless aborted; records what happened. */
    const slowCell = (worker: string): Executor => {
      const runBatch = async (jobs: CellJob[], o: { signal?: AbortSignal } = {}) => {
        const run = { worker, aborted: false, completed: false };
        runs.push(run);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 2500);
          o.signal?.addEventListener("abort", () => {
            clearTimeout(t);
            run.aborted = true;
            resolve();
          });
        });
        run.completed = !run.aborted;
        return jobs.map((j): CellResult => ({
          cellId: j.cellId,
          status: run.aborted ? "error" : "ok",
          outputs: [],
          displays: [{ type: "text", data: worker }],
          console: [],
          consoleTruncated: false,
          durationMs: 2500,
        }));
      };
      return {
        run: async (j, o) => (await runBatch([j], o))[0],
        runBatch,
        warm() {},
        stats: () => ({ keys: 0, idle: 0, live: 0 }),
        close: () => Promise.resolve(),
      };
    };
    const ex = await natsExecutor({
      nc: await connectNats({ servers: nats.urls, name: "s" }),
      ownsConnection: true,
      names,
      ackWaitMs: 1000,
    });
    const worker = async (name: string, progressMs?: number) =>
      await startNatsWorker({
        maxActive: 1, // busy with its first delivery, "slow" cannot take the job again
        nc: await connectNats({ servers: nats.urls, name }),
        ownsConnection: true,
        executor: slowCell(name),
        workspaceDir: "/tmp/ws",
        name,
        names,
        discoverMs: 100,
        progressMs,
      });
    // "slow" sends progress every 10 s against an ack wait of 1 s: JetStream hands its job on.
    const slow = await worker("slow", 10_000);
    let fast: NatsWorker | undefined;
    try {
      const result = ex.run({
        cellId: "c",
        source: "",
        inputs: [],
        outputs: [],
        permissions: { notebookDir: "/tmp/nb" },
      });
      while (runs.length === 0) await new Promise((r) => setTimeout(r, 20));
      fast = await worker("fast");
      const r = await result;
      assert.equal(r.status, "ok", r.error?.message);
      assert.deepEqual(r.displays, [{ type: "text", data: "fast" }]);
      for (let i = 0; i < 50 && !runs[0].aborted; i++) await new Promise((s) => setTimeout(s, 50));
      assert.equal(runs.length, 2, JSON.stringify(runs));
      assert.deepEqual(runs.map((x) => [x.worker, x.completed]), [["slow", false], ["fast", true]]);
    } finally {
      await ex.close();
      await slow.shutdown();
      await fast?.shutdown();
      await nats.stop();
    }
  },
);
