/**
 * Issue 20: the server keeps a V8 code cache of the TypeScript compiler in its data folder
 * (`<data_dir>/code-cache`), written by the type Worker a second after it first loads the
 * compiler, so the next Worker (after its idle stop, or a restart) loads it in ≈35 ms instead of
 * 150–190 ms; and of the cell parser, written by the server a second after its first analyses
 * (with the parser's functions they compiled), so a first analysis after a restart compiles none.
 * This runs the permission-scoped server the launcher starts: the caches are written within the
 * server's grants, with the files' own digests, and nothing is refused on the way.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { startServer } from "./_server.ts";

Deno.test("code cache - a real server writes the compiler's and the parser's code caches into its data folder", async () => {
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
    const both = () =>
      found().some((n) => n.startsWith("typescript-")) &&
      found().some((n) => n.startsWith("babel-parser-"));
    for (let i = 0; i < 300 && !both(); i++) {
      await new Promise((res) => setTimeout(res, 50));
    }
    const names = found().sort();
    assert.equal(names.length, 2, `the parser's and the compiler's caches, no temp file: ${names}`);
    assert.match(names[0], /^babel-parser-[0-9a-f]{16}\.v8$/);
    assert.match(names[1], /^typescript-[0-9a-f]{16}\.v8$/);
    for (const [name, least] of [[names[0], 100_000], [names[1], 1_000_000]] as const) {
      const bytes = await Deno.readFile(`${dir}/${name}`);
      const sum = createHash("sha256").update(bytes.subarray(32)).digest();
      assert.ok(sum.equals(bytes.subarray(0, 32)), `${name}: the digest matches the code`);
      // The parser's is taken after its first analyses ran: it holds their functions too.
      assert.ok(bytes.length > least, `${name}: real code (${bytes.length} bytes)`);
      assert.equal((await Deno.stat(`${dir}/${name}`)).mode! & 0o077, 0, "not readable by others");
    }
    assert.doesNotMatch(s.logs(), /NotCapable|Requires (read|write) access/);

    // After a restart the server's first analysis loads the parser from its cache: a cache it could
    // not read or use would be written again a second later (a hit writes nothing). The flipped
    // cache shows that the same steps do read it.
    const parser = `${dir}/${names[0]}`;
    const firstAnalysisAfterRestart = async (source: string) => {
      await s.restart();
      const nb = await s.api("POST", "/v1/notebooks/create", { name: `after ${source.length}` });
      const cell = await s.api("POST", `/v1/notebooks/${nb.body.sessionId}/cells`, { source });
      assert.equal(cell.status, 201, JSON.stringify(cell.body));
      await new Promise((res) => setTimeout(res, 1_600));
      return await Deno.stat(parser);
    };
    const before = await Deno.stat(parser);
    const kept = await firstAnalysisAfterRestart("const kept: number = 1;\nkept + 1");
    assert.equal(kept.ino, before.ino, "a usable cache is not written again");
    assert.equal(kept.mtime?.getTime(), before.mtime?.getTime());
    const bytes = await Deno.readFile(parser);
    bytes[bytes.length - 10] ^= 0xff;
    await Deno.writeFile(parser, bytes);
    const flipped = await Deno.stat(parser);
    const rewritten = await firstAnalysisAfterRestart("const flipped: string = 'x';\nflipped");
    assert.notEqual(rewritten.ino, flipped.ino, "a flipped cache is replaced");
    const again = await Deno.readFile(parser);
    const sum = createHash("sha256").update(again.subarray(32)).digest();
    assert.ok(sum.equals(again.subarray(0, 32)), "the replacement's digest matches");
    assert.doesNotMatch(s.logs(), /NotCapable|Requires (read|write) access/);
  } finally {
    await s.close();
  }
});
