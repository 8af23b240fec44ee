import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { WarmPool } from "./pool.ts";

const harnessPath = fileURLToPath(new URL("./harness.ts", import.meta.url));

async function withPool(fn: (pool: WarmPool, notebookDir: string) => Promise<void>) {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "strata-pool-" }));
  await Deno.mkdir(`${dir}/nb`);
  const pool = new WarmPool({ denoPath: Deno.execPath(), harnessPath, scratchRoot: dir });
  try {
    await fn(pool, `${dir}/nb`);
  } finally {
    await pool.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("pool - a used child's replacement starts once the caller has handled the result", async () => {
  await withPool(async (pool, notebookDir) => {
    const spec = { notebookDir };
    const handled = Promise.withResolvers<void>();
    pool.warmLater(spec, 256, handled.promise, 60_000);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(pool.stats().idle, 0, "started while the caller was still storing and sending");
    handled.resolve();
    await handled.promise;
    await new Promise((r) => setTimeout(r, 0));
    assert.equal(pool.stats().idle, 1);
  });
});

Deno.test("pool - a caller that never says it is done gets its replacement after the wait", async () => {
  await withPool(async (pool, notebookDir) => {
    pool.warmLater({ notebookDir }, 256, new Promise(() => {}), 50);
    const deadline = Date.now() + 10_000;
    while (pool.stats().idle === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(pool.stats().idle, 1);
  });
});

Deno.test("pool - a child that answered is released once after the caller is done, or after the wait", async () => {
  await withPool(async (pool, notebookDir) => {
    const spec = { notebookDir };
    const settle = async (ms = 0) => await new Promise((r) => setTimeout(r, ms));
    // Released when `handled` settles, and only once (the wait's timer no longer fires).
    const a = pool.acquire(spec, 256);
    const handled = Promise.withResolvers<void>();
    pool.releaseLater(a, handled.promise, 200);
    await settle(50);
    assert.equal(pool.stats().live, 1, "kept while the caller stores and sends");
    const released = async () => {
      const deadline = Date.now() + 10_000;
      while (pool.stats().live > 0 && Date.now() < deadline) await settle(10);
      assert.equal(pool.stats().live, 0);
    };
    handled.resolve();
    await a.status;
    await released();
    // A caller that never settles: released after the wait.
    const b = pool.acquire(spec, 256);
    pool.releaseLater(b, new Promise(() => {}), 50);
    await b.status;
    await released();
    // Closing first: close() releases it, and no timer is left running (the test's sanitizer).
    const c = pool.acquire(spec, 256);
    pool.releaseLater(c, new Promise(() => {}), 60_000);
    await pool.close();
    assert.equal(c.alive, false);
  });
});

Deno.test("pool - every child gets a scratch folder of its own; close leaves none behind", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "strata-pool-" }));
  await Deno.mkdir(`${dir}/nb`);
  const pool = new WarmPool({ denoPath: Deno.execPath(), harnessPath, scratchRoot: dir });
  const scratchDirs = () =>
    [...Deno.readDirSync(dir)].filter((e) => e.name.startsWith("child-")).map((e) => e.name);
  try {
    const spec = { notebookDir: `${dir}/nb` };
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const child = pool.acquire(spec, 256);
      assert.ok(!seen.has(child.scratchDir), "a scratch folder was handed out twice");
      seen.add(child.scratchDir);
      await pool.release(child);
      await new Promise((r) => setTimeout(r, 20)); // folders made ahead in the meantime
    }
  } finally {
    await pool.close();
  }
  assert.deepEqual(scratchDirs(), []);
  await Deno.remove(dir, { recursive: true });
});
