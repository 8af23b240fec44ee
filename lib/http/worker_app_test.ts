import assert from "node:assert/strict";
import type { Executor } from "../executor/executor.ts";
import type { CellJob, CellResult } from "../executor/types.ts";
import { createWorkerApp } from "./worker_app.ts";
import { PROTOCOL_VERSION, type WireJob } from "../worker/wire.ts";

const TOKEN = "worker-token-0123456789";

function fakeExecutor(hold?: Promise<void>): Executor & { seen: CellJob[] } {
  const seen: CellJob[] = [];
  const runBatch = async (jobs: CellJob[]) => {
    seen.push(...jobs);
    await hold;
    return jobs.map((j): CellResult => ({
      cellId: j.cellId,
      status: "ok",
      outputs: [],
      displays: [],
      console: [],
      consoleTruncated: false,
      durationMs: 0,
    }));
  };
  return {
    seen,
    run: async (j) => (await runBatch([j]))[0],
    runBatch,
    warm() {},
    stats: () => ({ keys: 0, idle: 0, live: 0 }),
    close: () => Promise.resolve(),
  };
}

const wireJob = (cellId: string, read?: string[]): WireJob => ({
  cellId,
  source: "1",
  inputs: [],
  outputs: [],
  permissions: read ? { read } : {},
});

function post(app: ReturnType<typeof createWorkerApp>, body: unknown, token = TOKEN) {
  return app.request("/v1/execute", {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

Deno.test("worker app - health reports capabilities and active executions without auth", async () => {
  const app = createWorkerApp({
    executor: fakeExecutor(),
    token: TOKEN,
    workspaceDir: "/ws",
    name: "gpu-1",
    capabilities: { labels: ["gpu"], maxActive: 2 },
  });
  const res = await app.request("/health");
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.status, "ok");
  assert.equal(body.name, "gpu-1");
  assert.equal(body.active, 0);
  assert.deepEqual(body.capabilities.labels, ["gpu"]);
  assert.equal(body.capabilities.protocol, PROTOCOL_VERSION);
});

Deno.test("worker app - execute needs the bearer token", async () => {
  const app = createWorkerApp({ executor: fakeExecutor(), token: TOKEN, workspaceDir: "/ws" });
  const body = { protocol: PROTOCOL_VERSION, jobs: [wireJob("a")] };
  const wrong = await post(app, body, "nope");
  assert.equal(wrong.status, 401);
  assert.deepEqual(await wrong.json(), {
    error: { code: "unauthorized", message: "invalid bearer token" },
  });
  const missing = await app.request("/v1/execute", { method: "POST", body: "{}" });
  assert.equal(missing.status, 401);
  assert.match(missing.headers.get("www-authenticate") ?? "", /^Bearer/);
  assert.equal((await post(app, body)).status, 200);
});

Deno.test("worker app - a malformed request is a 400 naming the field", async () => {
  const app = createWorkerApp({ executor: fakeExecutor(), token: TOKEN, workspaceDir: "/ws" });
  let res = await post(app, "{not json");
  assert.equal(res.status, 400);
  res = await post(app, { protocol: 99, jobs: [wireJob("a")] });
  assert.equal(res.status, 400);
  assert.match((await res.json()).error.message, /at 'protocol'/);
  res = await post(app, { protocol: PROTOCOL_VERSION, jobs: [{ ...wireJob("a"), cellId: 5 }] });
  assert.match((await res.json()).error.message, /at 'jobs\.0\.cellId'/);
});

Deno.test("worker app - beyond maxActive the worker answers 503 with Retry-After", async () => {
  let release!: () => void;
  const hold = new Promise<void>((r) => (release = r));
  const app = createWorkerApp({
    executor: fakeExecutor(hold),
    token: TOKEN,
    workspaceDir: "/ws",
    capabilities: { maxActive: 1 },
  });
  const body = { protocol: PROTOCOL_VERSION, jobs: [wireJob("a")] };
  const first = post(app, body);
  await new Promise((r) => setTimeout(r, 10));
  const busy = await post(app, body);
  assert.equal(busy.status, 503);
  assert.equal(busy.headers.get("retry-after"), "1");
  release();
  assert.equal((await first).status, 200);
});

Deno.test("worker app - jobs naming paths outside the workspace are refused unless allowed", async () => {
  const ex = fakeExecutor();
  const app = createWorkerApp({ executor: ex, token: TOKEN, workspaceDir: "/ws" });
  const res = await post(app, {
    protocol: PROTOCOL_VERSION,
    jobs: [wireJob("a", ["./data"]), wireJob("b", ["/etc"]), wireJob("c")],
  });
  const { results } = await res.json();
  assert.deepEqual(results.map((r: CellResult) => r.status), ["ok", "error", "error"]);
  assert.equal(
    results[1].error.message,
    "Worker 'worker' does not grant paths outside its workspace: /etc",
  );
  assert.deepEqual(ex.seen.map((j) => j.permissions.read), [["/ws/data"]]);

  const open = createWorkerApp({
    executor: fakeExecutor(),
    token: TOKEN,
    workspaceDir: "/ws",
    capabilities: { hostPaths: true },
  });
  const ok =
    await (await post(open, { protocol: PROTOCOL_VERSION, jobs: [wireJob("b", ["/etc"])] })).json();
  assert.equal(ok.results[0].status, "ok");
});

Deno.test("worker app - refuses a short token at creation", () => {
  assert.throws(
    () => createWorkerApp({ executor: fakeExecutor(), token: "short", workspaceDir: "/ws" }),
    /at least 16 characters/,
  );
});
