import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { harnessFiles } from "./child.ts";

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
