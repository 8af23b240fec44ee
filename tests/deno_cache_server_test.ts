/**
 * Issue 20: a long-running server's disk does not fill with Deno's per-run caches. Each run of a
 * cell that is a module imports a new module file, for which Deno writes an emit file and cache rows in the children's
 * DENO_DIR; the executor removes them (lib/executor/deno_cache.ts). This runs the permission-scoped
 * server the launcher starts, so it also checks that the server is granted exactly what the
 * cleanup needs (without the grants, every run's files and rows stayed).
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { startServer } from "./_server.ts";

Deno.test("deno cache - a real server's cell runs leave no emit files or cache rows in DENO_DIR", async () => {
  const denoDir = await Deno.realPath(await Deno.makeTempDir({ prefix: "strata-deno-dir-" }));
  const s = await startServer({ DENO_DIR: denoDir });
  const scratch = `${await Deno.realPath(s.dir)}/data/tmp`;
  const left = () => {
    let files = 0;
    const walk = (d: string) => {
      for (const e of Deno.readDirSync(d)) e.isDirectory ? walk(`${d}/${e.name}`) : files++;
    };
    try {
      walk(`${denoDir}/gen/file${scratch}`);
    } catch { /* no folder: nothing left */ }
    const db = new DatabaseSync(`${denoDir}/v8_code_cache_v2`, { readOnly: true });
    const rows = db.prepare("SELECT count(*) AS n FROM codecache WHERE specifier LIKE ?")
      .get(`file://${scratch}/%`) as { n: number };
    db.close();
    return { files, rows: Number(rows.n) };
  };
  try {
    let r = await s.api("POST", "/v1/notebooks/create", { name: "cache" });
    const sid = r.body.sessionId;
    // `export` makes the cell a module (not a function body): each run imports a new one.
    r = await s.api("POST", `/v1/notebooks/${sid}/cells`, {
      source: "export const y: number = 21;\ny * 2",
    });
    const cid = r.body.cellId;
    for (let i = 0; i < 5; i++) {
      r = await s.api("POST", `/v1/notebooks/${sid}/cells/${cid}/execute?mode=force`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    const during = left();
    assert.ok(
      during.files >= 5 && during.rows >= 5,
      `Deno cached the runs: ${JSON.stringify(during)}`,
    );
    await s.stop(); // closing the executor removes what its children left
    assert.deepEqual(left(), { files: 0, rows: 0 });
    assert.doesNotMatch(s.logs(), /NotCapable|Requires write access/);
  } finally {
    await s.close();
    await Deno.remove(denoDir, { recursive: true });
  }
});
