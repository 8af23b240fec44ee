// auto_migrate = false: the server starts on an empty database without migrating, /ready says
// which migration it is at and which is head, and `strata migrate` (a separate deploy step)
// makes it ready without a restart.
import assert from "node:assert/strict";
import { startServer } from "./_server.ts";

const main = new URL("../main.ts", import.meta.url).pathname;

Deno.test("auto_migrate - off: /ready reports migrations not ready with current/head until `strata migrate`", async () => {
  const server = await startServer({ STRATA_AUTO_MIGRATE: "false" });
  try {
    assert.doesNotMatch(server.logs(), /applied migration/);
    const before = await server.api("GET", "/ready");
    assert.equal(before.status, 503);
    assert.equal(before.body.status, "not_ready");
    const m = before.body.checks.migrations;
    assert.equal(m.status, "error");
    assert.equal(m.current, null);
    assert.match(m.head, /^\d{4}_[a-z0-9_]+$/);
    assert.match(m.reason, /pending migration.*strata migrate/);
    assert.equal(before.body.checks.db.status, "ok");

    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        "--allow-env",
        "--allow-run",
        "--allow-sys=osRelease,uid",
        main,
        "migrate",
      ],
      env: {
        PATH: Deno.env.get("PATH") ?? "",
        HOME: Deno.env.get("HOME") ?? server.dir,
        STRATA_DATA_DIR: `${server.dir}/data`,
        STRATA_NOTEBOOK_STORAGE_DIR: `${server.dir}/notebooks`,
        STRATA_AUTO_MIGRATE: "false",
        NO_COLOR: "1",
      },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, text);
    assert.match(text, new RegExp(`applied .*${m.head}`));

    const after = await server.api("GET", "/ready");
    assert.equal(after.status, 200, JSON.stringify(after.body));
    assert.deepEqual(after.body.checks.migrations, { status: "ok", current: m.head, head: m.head });
  } finally {
    await server.close();
  }
});

Deno.test("auto_migrate - on (the default): the server migrates at start and /ready is at head", async () => {
  const server = await startServer();
  try {
    const ready = await server.api("GET", "/ready");
    assert.equal(ready.status, 200, JSON.stringify(ready.body));
    const m = ready.body.checks.migrations;
    assert.equal(m.current, m.head);
    assert.equal(typeof ready.body.checks.db.latency_ms, "number");
    assert.deepEqual(Object.keys(ready.body.checks).sort(), [
      "artifact_gc_task",
      "db",
      "migrations",
      "partitions_task",
      "retention_task",
    ]);
  } finally {
    await server.close();
  }
});
