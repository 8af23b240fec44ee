// The single-file build: built into one folder, copied alone to another (no deno.json, no
// node_modules), it starts, serves /ready and runs a cell with the bundled harness.
import assert from "node:assert/strict";
import { build } from "../scripts/build.ts";
import { freePort, type ServerLog, untilReady } from "./_server.ts";

async function copyTree(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.isDirectory) await copyTree(`${from}/${e.name}`, `${to}/${e.name}`);
    else await Deno.copyFile(`${from}/${e.name}`, `${to}/${e.name}`);
  }
}

Deno.test("build - the bundle runs from a folder holding only its files and serves /ready", async () => {
  const buildDir = await Deno.makeTempDir({ prefix: "strata-build-" });
  const runDir = await Deno.makeTempDir({ prefix: "strata-run-" });
  let child: Deno.ChildProcess | undefined;
  let stderr: ServerLog | undefined;
  try {
    const report = await build(`${buildDir}/dist`);
    const names = report.files.map((f) => f.path);
    assert.ok(names.includes("strata.js") && names.includes("harness.js"), names.join(", "));
    assert.ok(names.includes("migrations/sqlite/0001_artifacts_and_runs.sql"));
    assert.ok(names.includes("static/islands/current.json"), names.join(", "));
    await copyTree(`${buildDir}/dist`, `${runDir}/dist`);
    await Deno.remove(buildDir, { recursive: true });

    const port = freePort();
    child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-config", "-A", "dist/strata.js", "serve"],
      cwd: runDir,
      env: {
        HOME: `${runDir}/home`,
        PATH: Deno.env.get("PATH") ?? "",
        STRATA_PORT: String(port),
        NO_COLOR: "1",
      },
      clearEnv: true,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    stderr = await untilReady(child, "bundle");
    const url = `http://127.0.0.1:${port}`;
    const ready = await fetch(`${url}/ready`);
    assert.equal(ready.status, 200, await ready.clone().text());
    assert.equal((await ready.json()).checks.migrations.status, "ok");

    // Island assets ship prebuilt beside the bundle (no island sources in the folder).
    const home = await (await fetch(`${url}/`)).text();
    const asset = /\/static\/[0-9a-f]+\/[a-z_]+\.(?:js|css)/.exec(home)?.[0];
    assert.ok(asset, `home page links an island asset:\n${home.slice(0, 500)}`);
    const assetRes = await fetch(url + asset);
    assert.equal(assetRes.status, 200, asset);
    await assetRes.body?.cancel();

    const api = async (path: string, body?: unknown) => {
      const res = await fetch(url + path, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    };
    const created = await api("/v1/notebooks/create", { name: "bundled" });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const sid = created.body.sessionId;
    const cell = await api(`/v1/notebooks/${sid}/cells`, { source: "6 * 7" });
    const run = await api(`/v1/notebooks/${sid}/cells/${cell.body.cellId}/execute`);
    assert.equal(run.status, 200, JSON.stringify(run.body));
    const out = run.body.state.cells.find((c: { id: string }) => c.id === cell.body.cellId);
    assert.deepEqual(out.outputs.displays, [{ type: "text", data: "42" }]);
    // The editor's completions work from the bundle (TypeScript's libs ship beside it).
    const done = await api(`/v1/notebooks/${sid}/cells/${cell.body.cellId}/complete`, {
      source: "[6, 7].",
      offset: 7,
    });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.ok(
      done.body.items.some((i: { label: string }) => i.label === "map"),
      "bundle completes",
    );
    // A long table's pages come from the table Worker, which ships beside the bundle.
    const rows = await api(`/v1/notebooks/${sid}/cells`, {
      source: "const rows = Array.from({ length: 120 }, (_, i) => ({ i }))\nrows",
    });
    const ran = await api(`/v1/notebooks/${sid}/cells/${rows.body.cellId}/execute`);
    assert.equal(ran.status, 200, JSON.stringify(ran.body));
    const page = await api(`/v1/notebooks/${sid}/cells/${rows.body.cellId}/table-page`, {
      display: 0,
      offset: 0,
      limit: 2,
      sort: { col: 0, dir: -1 },
    });
    assert.equal(page.status, 200, JSON.stringify(page.body));
    assert.deepEqual(page.body.rows, [[119], [118]]);

    child.kill("SIGTERM");
    await child.status;
    await stderr.rest;
    child = undefined;
  } catch (err) {
    if (stderr) console.error(stderr.text);
    throw err;
  } finally {
    if (child) {
      // SIGTERM: the launcher forwards it to the server it started (SIGKILL would orphan it).
      child.kill("SIGTERM");
      await child.status;
    }
    await Deno.remove(buildDir, { recursive: true }).catch(() => {});
    await Deno.remove(runDir, { recursive: true });
  }
});
