import assert from "node:assert/strict";
import type { Executor } from "../executor/executor.ts";
import type { CellJob, CellResult } from "../executor/types.ts";
import type { Runtime, RuntimeDeps } from "../runtime/runtime.ts";
import type { WorkerRegistry } from "../worker/registry.ts";
import type { AuditRecord, AuditRecorder } from "../audit/recorder.ts";
import {
  lazy,
  lazyAuditRecorder,
  lazyExecutor,
  lazyRuntime,
  lazySandbox,
  lazyWorkerRegistry,
} from "./lazy_services.ts";
import type { Sandbox } from "../sandbox/sandbox.ts";
import type { RunPath } from "./run_path.ts";

/** A fake executor that records calls; `closed` makes runs fail as a closed pool does. */
function fakeExecutor() {
  const calls: string[] = [];
  let closed = false;
  const executor: Executor = {
    run(job) {
      calls.push(`run ${job.cellId}`);
      if (closed) throw new Error("Cannot start a cell child: the executor is closed");
      return Promise.resolve({ cellId: job.cellId } as unknown as CellResult);
    },
    runBatch(jobs) {
      calls.push(`runBatch ${jobs.length}`);
      return Promise.resolve([]);
    },
    warm() {
      calls.push("warm");
    },
    stats: () => ({ keys: 1, idle: 2, live: 3 }),
    close() {
      calls.push("close");
      closed = true;
      return Promise.resolve();
    },
  };
  return { executor, calls };
}

const JOB = { cellId: "c1" } as unknown as CellJob;

Deno.test("lazy services - nothing loads before the first run; concurrent runs share one load", async () => {
  const { executor, calls } = fakeExecutor();
  let loads = 0;
  const path = lazy(() => {
    loads++;
    return Promise.resolve({ executor } as RunPath);
  });
  const stand = lazyExecutor(path);
  assert.deepEqual(stand.stats(), { keys: 0, idle: 0, live: 0 });
  assert.equal(loads, 0);
  const results = await Promise.all([stand.run(JOB), stand.run(JOB), stand.runBatch([JOB])]);
  assert.equal(results.length, 3);
  assert.equal(loads, 1);
  assert.deepEqual(calls, ["run c1", "run c1", "runBatch 1"]);
  assert.deepEqual(stand.stats(), { keys: 1, idle: 2, live: 3 });
});

Deno.test("lazy services - a failed load fails that call and is retried by the next", async () => {
  const { executor } = fakeExecutor();
  let loads = 0;
  const path = lazy(() => {
    loads++;
    return loads === 1
      ? Promise.reject(new Error("module not found"))
      : Promise.resolve({ executor } as RunPath);
  });
  const stand = lazyExecutor(path);
  await assert.rejects(stand.run(JOB), /module not found/);
  assert.equal(path.current, undefined);
  assert.deepEqual(await stand.run(JOB), { cellId: "c1" });
  assert.equal(loads, 2);
});

Deno.test("lazy services - close before the load closes nothing; a later run fails as closed", async () => {
  const { executor, calls } = fakeExecutor();
  let loads = 0;
  const stand = lazyExecutor(lazy(() => {
    loads++;
    return Promise.resolve({ executor } as RunPath);
  }));
  await stand.close();
  assert.equal(loads, 0);
  await assert.rejects(stand.run(JOB), /executor is closed/);
  assert.deepEqual(calls, ["close", "run c1"]);
});

Deno.test("lazy services - close after the load closes the executor", async () => {
  const { executor, calls } = fakeExecutor();
  const stand = lazyExecutor(lazy(() => Promise.resolve({ executor } as RunPath)));
  await stand.run(JOB);
  await stand.close();
  assert.deepEqual(calls, ["run c1", "close"]);
});

Deno.test("lazy services - the runtime keeps its deps object and forwards once loaded", async () => {
  const local = fakeExecutor().executor;
  const seen: string[] = [];
  const real = {
    analyzer: (hash?: string) => {
      seen.push(`analyzer ${hash}`);
      return Promise.resolve({} as never);
    },
    run: () => {
      seen.push("run");
      return Promise.resolve([]);
    },
    executorFor: (worker: string | undefined) => {
      seen.push(`executorFor ${worker}`);
      return { ok: true as const, executor: local };
    },
  };
  let loads = 0;
  const path = lazy(() => {
    loads++;
    return Promise.resolve({ runtime: { ...real, deps } as Runtime } as RunPath);
  });
  const workers = lazyWorkerRegistry(path as never, local);
  const deps = { executor: local, workers } as RuntimeDeps;
  const runtime = lazyRuntime(path, deps);
  // Before the load: deps are there, and a local cell's executor resolves without loading.
  assert.equal(runtime.deps, deps);
  assert.deepEqual(runtime.executorFor(undefined), { ok: true, executor: local });
  assert.equal(loads, 0);
  await runtime.analyzer("t1");
  await runtime.run({} as never);
  runtime.executorFor("gpu", []);
  assert.equal(runtime.deps, deps);
  assert.equal(loads, 1);
  assert.deepEqual(seen, ["analyzer t1", "run", "executorFor gpu"]);
});

Deno.test("lazy services - the worker registry forwards to the loaded one", async () => {
  const local = fakeExecutor().executor;
  const resolved: (string | undefined)[] = [];
  let closed = 0;
  const loaded: WorkerRegistry = {
    resolve(name) {
      resolved.push(name);
      return { ok: false, message: `no worker ${name}` };
    },
    close() {
      closed++;
      return Promise.resolve();
    },
  };
  const path = lazy(() => Promise.resolve({ workers: loaded } as RunPath));
  const workers = lazyWorkerRegistry(path, local);
  assert.deepEqual(workers.resolve("local", []), { ok: true, executor: local });
  assert.throws(() => workers.resolve("gpu", []), /before the run path is loaded/);
  await workers.close(); // nothing loaded: nothing to close
  assert.equal(closed, 0);
  await path.get();
  assert.deepEqual(workers.resolve("gpu", []), { ok: false, message: "no worker gpu" });
  await workers.close();
  assert.deepEqual([resolved, closed], [["gpu"], 1]);
});

Deno.test("lazy services - audit events recorded while the recorder loads keep their order", async () => {
  const written: string[] = [];
  let loads = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  const real: AuditRecorder = {
    record(event) {
      written.push(event.action);
      return Promise.resolve();
    },
    recordMany(events) {
      written.push(events.map((e) => e.action).join("+"));
      return Promise.resolve();
    },
  };
  const audit = lazyAuditRecorder(lazy(async () => {
    loads++;
    await gate;
    return real;
  }));
  assert.equal(loads, 0);
  const event = (action: string) => ({ tenantHash: "h", actor: null, action } as AuditRecord);
  const pending = [
    audit.record(event("a")),
    audit.recordMany!([event("b"), event("c")]),
    audit.record(event("d")),
  ];
  release();
  await Promise.all(pending);
  assert.deepEqual(written, ["a", "b+c", "d"]);
  assert.equal(loads, 1);
});

Deno.test("lazy services - the sandbox loads on first use; its settings are the loaded ones", async () => {
  let loads = 0;
  const settings = { mode: "personal" } as Sandbox["settings"];
  const approved: string[][] = [];
  const real: Sandbox = {
    settings,
    inputFor: () => Promise.resolve({ approved: new Set(["x"]) } as never),
    approve(_dir, grants) {
      approved.push([...grants]);
      return Promise.resolve(new Set(grants));
    },
  };
  const loaded = lazy(() => {
    loads++;
    return Promise.resolve(real);
  });
  const sandbox = lazySandbox(loaded);
  assert.throws(() => sandbox.settings, /before the sandbox is loaded/);
  assert.equal(loads, 0);
  const input = await sandbox.inputFor({ notebookDir: "/nb" } as never);
  assert.deepEqual([...input.approved], ["x"]);
  assert.equal(sandbox.settings, settings);
  assert.deepEqual(
    [...await sandbox.approve("/nb", ["--allow-net=a"], { by: null, now: new Date(0) })],
    ["--allow-net=a"],
  );
  assert.deepEqual([approved, loads], [[["--allow-net=a"]], 1]);
});
