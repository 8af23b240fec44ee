import assert from "node:assert/strict";
import { serveTarget } from "./serve_args.ts";

Deno.test("serve args - a folder becomes the notebook root", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const t = serveTarget({ HOME: dir }, [dir, "--in-process"]);
    assert.ok(t.ok);
    assert.equal(t.env.STRATA_NOTEBOOK_STORAGE_DIR, await Deno.realPath(dir));
    assert.deepEqual(t.args, ["--in-process"]);
    const rel = serveTarget({ HOME: dir, INIT_CWD: dir }, ["."]);
    assert.ok(rel.ok);
    assert.equal(rel.env.STRATA_NOTEBOOK_STORAGE_DIR, await Deno.realPath(dir));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serve args - no folder leaves the environment alone", () => {
  const env = { HOME: "/home/ada" };
  const t = serveTarget(env, []);
  assert.ok(t.ok);
  assert.equal(t.env, env);
});

Deno.test("serve args - refuses a missing folder, two folders, and service mode", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const missing = serveTarget({ HOME: dir }, [`${dir}/nope`]);
    assert.ok(!missing.ok);
    assert.match(missing.error, /'.*nope' is not a folder/);
    const slash = serveTarget({ HOME: dir }, ["/"]);
    assert.ok(!slash.ok);
    assert.match(slash.error, /refusing to serve '\/'/);
    const two = serveTarget({ HOME: dir }, [dir, dir]);
    assert.ok(!two.ok);
    assert.match(two.error, /at most one folder/);
    const service = serveTarget({ HOME: dir, STRATA_DEPLOYMENT_MODE: "service" }, [dir]);
    assert.ok(!service.ok);
    assert.match(service.error, /personal mode; this configuration is in service mode/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
