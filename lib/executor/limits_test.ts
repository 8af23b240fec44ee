import assert from "node:assert/strict";
import { decodeValue, encodeValue } from "./codecs.ts";
import { takeValueFile } from "./child.ts";
import { createExecutor, type Executor } from "./executor.ts";
import type { CellJob } from "./types.ts";

async function withExecutor(
  fn: (ex: Executor, job: (src: string, more?: Partial<CellJob>) => CellJob) => Promise<void>,
): Promise<void> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "strata-limits-" }));
  await Deno.mkdir(`${dir}/nb`);
  const home = Deno.env.get("HOME");
  const ex = createExecutor({ scratchRoot: dir, childEnv: home ? { HOME: home } : {} });
  const job = (source: string, more: Partial<CellJob> = {}): CellJob => ({
    cellId: "c1",
    source,
    inputs: [],
    outputs: [],
    permissions: { notebookDir: `${dir}/nb` },
    timeoutMs: 60_000,
    ...more,
  });
  try {
    await fn(ex, job);
  } finally {
    await ex.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("limits - typed arrays outside the V8 heap still hit the memory cap", async () => {
  await withExecutor(async (ex, job) => {
    // 64 MB chunks, filled so they are resident; 2 GB would be reached without the memory check.
    const r = await ex.run(job(
      "const keep: Uint8Array[] = [];\n" +
        "for (let i = 0; i < 32; i++) { keep.push(new Uint8Array(64 << 20).fill(1)); " +
        "await new Promise((r) => setTimeout(r, 20)); }\nkeep.length",
      { memoryMb: 128 },
    ));
    assert.equal(r.status, "error");
    assert.equal(r.error?.kind, "memory", r.error?.message);
    assert.match(r.error!.message, /memory limit \(128 MB\)/);
  });
});

Deno.test("limits - a cell may start only its share of Workers", async () => {
  await withExecutor(async (ex, job) => {
    const src = `const url = URL.createObjectURL(new Blob(["self.onmessage = () => {}"]));
const started: Worker[] = [];
for (let i = 0; i < 3; i++) started.push(new Worker(url, { type: "module" }));`;
    const r = await ex.run(job(src, { maxWorkers: 2 }));
    assert.equal(r.status, "error");
    assert.match(r.error!.message, /at most 2 Workers/);
    const ok = await ex.run(
      job(src.replace("i < 3", "i < 2") + "\nstarted.length", { maxWorkers: 2 }),
    );
    assert.equal(ok.status, "ok", ok.error?.message);
    assert.deepEqual(ok.displays, [{ type: "text", data: "2" }]);
  });
});

Deno.test("limits - a cell's own timeout ends its process even without the server", async () => {
  await withExecutor(async (ex, job) => {
    // The server-side timer is the one that fires first; the child's backstop is the same
    // deadline plus a grace period, so both report a timeout, never a crash.
    const r = await ex.run(job("while (true) {}", { timeoutMs: 500 }));
    assert.equal(r.error?.kind, "timeout");
    const c = new AbortController();
    setTimeout(() => c.abort(), 300);
    const cancelled = await ex.run(job("while (true) {}", { timeoutMs: 5000 }), {
      signal: c.signal,
    });
    assert.equal(cancelled.error?.kind, "cancelled", "cancelled and timed out stay distinct");
  });
});

Deno.test("large values - 30 MB passes from one cell to the next through a file", async () => {
  await withExecutor(async (ex, job) => {
    const made = await ex.run(job(
      "const big = new Uint8Array(30 << 20);\nfor (let i = 0; i < big.length; i += 4096) big[i] = i % 251;",
      { outputs: ["big"] },
    ));
    assert.equal(made.status, "ok", made.error?.message);
    assert.equal(made.outputs.length, 1);
    assert.equal(made.outputs[0].bytes.length, 30 << 20);
    const used = await ex.run(job(
      "let sum = 0;\nfor (let i = 0; i < big.length; i += 4096) sum += big[i];\n`${big.length} ${sum}`",
      { inputs: made.outputs },
    ));
    assert.equal(used.status, "ok", used.error?.message);
    let sum = 0;
    for (let i = 0; i < 30 << 20; i += 4096) sum += i % 251;
    assert.deepEqual(used.displays, [{ type: "text", data: `${30 << 20} ${sum}` }]);
    const json = encodeValue("rows", Array.from({ length: 300_000 }, (_, i) => ({ i, s: "x" })));
    assert.ok(json.ok && json.value.bytes.length > 4 << 20, "a large JSON input goes by file too");
    const rows = await ex.run(job("rows.length", { inputs: json.ok ? [json.value] : [] }));
    assert.deepEqual(rows.displays, [{ type: "text", data: "300000" }]);
    assert.equal(decodeValue(made.outputs[0]) instanceof Uint8Array, true);
  });
});

Deno.test("large values - a planted symlink or hard link is refused, never followed", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "strata-plant-" }));
  try {
    const scratch = `${dir}/child-1`;
    await Deno.mkdir(scratch);
    await Deno.writeTextFile(`${dir}/secret.txt`, "server secret");
    const file = "value-00000000-0000-0000-0000-000000000001.bin";
    await Deno.symlink(`${dir}/secret.txt`, `${scratch}/${file}`);
    await assert.rejects(
      () => takeValueFile(scratch, { name: "x", codec: "bytes", file, size: 13 }),
      /not the plain file/,
    );
    const linked = "value-00000000-0000-0000-0000-000000000002.bin";
    await Deno.link(`${dir}/secret.txt`, `${scratch}/${linked}`);
    await assert.rejects(
      () => takeValueFile(scratch, { name: "x", codec: "bytes", file: linked, size: 13 }),
      /not the plain file/,
    );
    await assert.rejects(
      () => takeValueFile(scratch, { name: "x", codec: "bytes", file: "../secret.txt", size: 13 }),
      /invalid value file/,
    );
    assert.equal(await Deno.readTextFile(`${dir}/secret.txt`), "server secret");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
