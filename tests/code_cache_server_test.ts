/**
 * Issue 20: the server keeps a V8 code cache of the TypeScript compiler in its data folder
 * (`<data_dir>/code-cache`), written by the type Worker a second after it first loads the
 * compiler, so the next Worker (after its idle stop, or a restart) loads it in ≈35 ms instead of
 * 150–190 ms. This runs the permission-scoped server the launcher starts: the cache is written
 * within the server's grants, with the file's own digest, and nothing is refused on the way.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { startServer } from "./_server.ts";

Deno.test("code cache - a real server writes the compiler's code cache into its data folder", async () => {
  const s = await startServer();
  const dir = `${await Deno.realPath(s.dir)}/data/code-cache`;
  const found = () => {
    try {
      return [...Deno.readDirSync(dir)].map((e) => e.name);
    } catch {
      return [];
    }
  };
  try {
    let r = await s.api("POST", "/v1/notebooks/create", { name: "typed" });
    const sid = r.body.sessionId;
    r = await s.api("POST", `/v1/notebooks/${sid}/cells`, {
      source: "const y: number = 21;\ny * 2",
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    for (let i = 0; i < 300 && !found().some((n) => n.endsWith(".v8")); i++) {
      await new Promise((res) => setTimeout(res, 50));
    }
    const names = found();
    assert.equal(names.length, 1, `one cache file, no temp file left: ${names}`);
    assert.match(names[0], /^typescript-[0-9a-f]{16}\.v8$/);
    const bytes = await Deno.readFile(`${dir}/${names[0]}`);
    const sum = createHash("sha256").update(bytes.subarray(32)).digest();
    assert.ok(sum.equals(bytes.subarray(0, 32)), "the digest matches the code");
    assert.ok(bytes.length > 1_000_000, `the compiler's code (${bytes.length} bytes)`);
    assert.equal(
      (await Deno.stat(`${dir}/${names[0]}`)).mode! & 0o077,
      0,
      "not readable by others",
    );
    assert.doesNotMatch(s.logs(), /NotCapable|Requires (read|write) access/);
  } finally {
    await s.close();
  }
});
