import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CHILD_NICE, harnessFiles, lowerPriority, needsProcessGroup } from "./child.ts";
import { createExecutor } from "./executor.ts";

Deno.test("child - the harness files a child may read are exactly the harness's module graph", async () => {
  const harness = fileURLToPath(new URL("./harness.ts", import.meta.url));
  const seen = new Set<string>();
  const visit = async (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = await Deno.readTextFile(file);
    // Value imports only: `import type` is erased and never loaded.
    for (const m of text.matchAll(/^import\s+(?!type\s)[^;]*?from\s+"(\.[^"]+)";/gms)) {
      await visit(join(dirname(file), m[1]));
    }
    for (const m of text.matchAll(/import\("(\.[^"]+)"\)/g)) await visit(join(dirname(file), m[1]));
  };
  await visit(harness);
  assert.ok(seen.size >= 5);
  assert.deepEqual([...seen].sort(), harnessFiles(harness).sort());
  assert.deepEqual(harnessFiles("/app/dist/harness.js"), ["/app/dist/harness.js"]);
});

Deno.test("child - only a child that may start processes leads a process group (issue 20)", () => {
  // Any grant of run or ffi (or everything) could start a process: kill(-pid) must reach it.
  for (
    const flag of [
      "--allow-run",
      "--allow-run=/usr/bin/sleep",
      "--allow-ffi",
      "--allow-ffi=/x.so",
      "--allow-all",
      "-A",
    ]
  ) {
    assert.equal(needsProcessGroup(["--allow-read=/nb", flag, "--cached-only"]), true, flag);
  }
  // Without them Deno has no way to start a process: one process, started without forking.
  const plain = [
    "--allow-read=/nb",
    "--allow-write=/s",
    "--allow-net",
    "--allow-env",
    "--allow-sys",
    "--allow-import=x.invalid",
    "--cached-only",
  ];
  assert.equal(needsProcessGroup(plain), false);
  assert.equal(needsProcessGroup(["--allow-runner=x"]), false); // not a run flag
});

/** Name and nice value of every thread of a process (Linux: /proc/<pid>/task/<tid>/{comm,stat}). */
function threadNices(pid: number): { tid: number; name: string; nice: number }[] {
  const threads = [];
  for (const t of Deno.readDirSync(`/proc/${pid}/task`)) {
    try {
      const stat = Deno.readTextFileSync(`/proc/${pid}/task/${t.name}/stat`);
      const name = Deno.readTextFileSync(`/proc/${pid}/task/${t.name}/comm`).trim();
      const nice = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
      threads.push({ tid: Number(t.name), name, nice });
    } catch { /* the thread ended */ }
  }
  return threads;
}

Deno.test({
  name: "child - cell children run at a lower CPU priority than the server (issue 20)",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "strata-nice-" }));
    await Deno.mkdir(`${dir}/nb`);
    const executor = createExecutor({ scratchRoot: dir });
    try {
      const own = threadNices(Deno.pid).find((t) => t.tid === Deno.pid)!.nice;
      executor.warm({ notebookDir: `${dir}/nb` });
      // The warm child: a process of ours whose command line names the scratch root (started
      // once its scratch folder is made), with the Worker where cell code runs ("worker-N").
      const children = () =>
        [...Deno.readDirSync("/proc")].flatMap((e) => {
          if (!/^\d+$/.test(e.name)) return [];
          try {
            const cmd = Deno.readTextFileSync(`/proc/${e.name}/cmdline`);
            return cmd.includes("harness.ts") && cmd.includes(dir) ? [Number(e.name)] : [];
          } catch {
            return [];
          }
        });
      let pids: number[] = [];
      for (let i = 0; i < 500; i++) {
        pids = children();
        if (pids.length === 1 && threadNices(pids[0]).some((t) => /^worker-\d+$/.test(t.name))) {
          break;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(pids.length, 1);
      // The main thread is set right after the spawn; the threads it starts later inherit it,
      // among them the Worker where cell code runs ("worker-N"). Threads Deno and V8 start in the
      // child's first milliseconds usually do too, but on a busy machine may start before the
      // value is set (see lowerPriority), so they are not asserted here.
      const threads = threadNices(pids[0]);
      const want = Math.min(19, own + CHILD_NICE);
      const main = threads.find((t) => t.tid === pids[0])!;
      const realm = threads.filter((t) => /^worker-\d+$/.test(t.name));
      assert.equal(main.nice, want, JSON.stringify(threads));
      assert.ok(realm.length >= 1, JSON.stringify(threads));
      for (const t of realm) assert.equal(t.nice, want, JSON.stringify(threads));
      assert.equal(lowerPriority(pids[0], 0), false, "nice 0 leaves the priority alone");
    } finally {
      await executor.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
