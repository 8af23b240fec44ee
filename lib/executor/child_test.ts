import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { harnessFiles, needsProcessGroup } from "./child.ts";

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
