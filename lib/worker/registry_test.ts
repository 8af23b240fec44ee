import assert from "node:assert/strict";
import type { Executor } from "../executor/executor.ts";
import { createWorkerRegistry } from "./registry.ts";

const local = { name: "local" } as unknown as Executor;
const workers = [
  { name: "gpu-1", url: "http://10.0.0.5:8790", token_env: "GPU_TOKEN" },
  { name: "broken", url: "ftp://x", token_env: "GPU_TOKEN" },
  { name: "untokened", url: "http://10.0.0.6:8790", token_env: "MISSING" },
];

Deno.test("worker registry - no worker or 'local' is the local executor", () => {
  const reg = createWorkerRegistry({ local, env: {} });
  assert.deepEqual(reg.resolve(undefined, workers), { ok: true, executor: local });
  assert.deepEqual(reg.resolve("local", workers), { ok: true, executor: local });
});

Deno.test("worker registry - a configured worker resolves to one reused remote executor", async () => {
  const reg = createWorkerRegistry({ local, env: { GPU_TOKEN: "t".repeat(20) } });
  const a = reg.resolve("gpu-1", workers);
  const b = reg.resolve("gpu-1", workers);
  assert.ok(a.ok && b.ok);
  assert.notEqual(a.executor, local);
  assert.equal(a.executor, b.executor);
  await reg.close();
});

Deno.test("worker registry - unknown names, bad urls and unset tokens are clear messages", () => {
  const reg = createWorkerRegistry({ local, env: { GPU_TOKEN: "t".repeat(20) } });
  const msg = (name: string) => {
    const r = reg.resolve(name, workers);
    return r.ok ? "" : r.message;
  };
  assert.equal(
    msg("nope"),
    "Cell asks for worker 'nope', but notebook.toml has no [[workers]] entry named 'nope'",
  );
  assert.match(msg("broken"), /needs url = "http\(s\):\/\/host:port"/);
  assert.equal(
    msg("untokened"),
    "Worker 'untokened': the server's environment variable MISSING (token_env) is not set",
  );
});
