// deno-lint-ignore-file no-explicit-any -- JSON answers of the HTTP API are read untyped
import assert from "node:assert/strict";
import { inProcessApp, proxyHeaders } from "../../tests/_app.ts";

const h = proxyHeaders("planner", "notebook:read notebook:write notebook:execute");

Deno.test("notebook.plan - says what a run would execute, by mode, without running anything", async () => {
  const dir = await Deno.makeTempDir({ prefix: "strata-plan-" });
  const app = await inProcessApp(dir);
  try {
    const sid = (await app.api("POST", "/v1/notebooks/create", { name: "p" }, h)).body.sessionId;
    const add = async (source: string) =>
      (await app.api("POST", `/v1/notebooks/${sid}/cells`, { source }, h)).body.cellId;
    const a = await add("// @name base\nconst a = 1");
    const b = await add("const b = a + 1");
    const n = await add("// @nocache\nconst n = b * 2");
    const other = await add("const unrelated = 5");
    const plan = async (
      q = "",
    ) => (await app.api("GET", `/v1/notebooks/${sid}/plan${q}`, undefined, h));

    // Nothing ran: a cell's plan is its upstream closure, all to run.
    let p = (await plan(`?cellId=${b}`)).body;
    assert.deepEqual(p.cells.map((c: any) => [c.id, c.action, c.reason]), [
      [a, "run", "never run"],
      [b, "run", "never run"],
    ]);
    assert.equal(p.cells[0].name, "base");
    assert.equal(p.run, 2);
    assert.equal(p.target, b);
    const before = await app.api("GET", `/v1/notebooks/${sid}`, undefined, h);
    assert.equal(before.body.cells[0].outputs, null, "planning ran nothing");

    const ran = await app.api("POST", `/v1/notebooks/${sid}/run-all`, undefined, h);
    assert.equal(ran.body.run.ok, true);

    // After a run: cache hits, except @nocache; rerun re-runs the target only; force everything.
    p = (await plan()).body;
    assert.deepEqual(p.cells.map((c: any) => c.action), ["hit", "hit", "run", "hit"]);
    assert.equal(p.cells[2].reason, "@nocache");
    assert.deepEqual([p.run, p.hits], [1, 3]);
    p = (await plan(`?cellId=${b}&mode=rerun`)).body;
    assert.deepEqual(p.cells.map((c: any) => [c.id, c.action]), [[a, "hit"], [b, "run"]]);
    p = (await plan(`?cellId=${other}&mode=force`)).body;
    assert.deepEqual(p.cells.map((c: any) => [c.id, c.reason]), [
      [other, "mode force skips the cache"],
    ]);

    // An edit makes the downstream cells stale: they would run, and the plan says why.
    await app.api("PUT", `/v1/notebooks/${sid}/cells/${a}`, { source: "const a = 2" }, h);
    p = (await plan(`?cellId=${n}`)).body;
    assert.deepEqual(p.cells.map((c: any) => c.action), ["run", "run", "run"]);
    // Why-chains name cells by @name, else their [n] position.
    assert.match(p.cells[1].reason, /\[1\]: own source changed/);

    // Bad input answers like every command.
    const missing = await plan("?cellId=nope");
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.message, "Cell 'nope' not found in notebook 'p'");
    const badMode = await plan("?mode=fast");
    assert.equal(badMode.status, 400);
    assert.match(badMode.body.error.message, /Invalid mode 'fast'/);
  } finally {
    await app.close();
    await Deno.remove(dir, { recursive: true });
  }
});
