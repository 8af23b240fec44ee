// Bad input and a full disk get clear errors that name the problem, never the server's folders,
// and lose nothing (issue 13 item 11). Through the whole app, as a client sees it.
import assert from "node:assert/strict";
import { inProcessApp, proxyHeaders } from "./_app.ts";

const ALL = "notebook:* admin:*";

Deno.test("clear errors - an over-long path segment is a 400 naming the limit, and no message shows a server folder", async () => {
  const dir = await Deno.makeTempDir({ prefix: "strata-errors-" });
  const app = await inProcessApp(dir);
  const h = proxyHeaders("ana", ALL);
  try {
    let r = await app.api("POST", "/v1/notebooks/create", { name: "x", path: "a".repeat(300) }, h);
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.match(r.body.error.message, /is 300 bytes; the limit is 255/);

    // A notebook whose notebook.toml is broken: the message names the notebook, not the folder.
    r = await app.api("POST", "/v1/notebooks/create", { name: "b", path: "broken" }, h);
    assert.equal(r.status, 201);
    await Deno.writeTextFile(`${dir}/notebooks/broken/notebook.toml`, "name = [unclosed");
    const fresh = await inProcessApp(dir); // a new server: the notebook is read from disk
    try {
      r = await fresh.api("POST", "/v1/notebooks/open", { path: "broken" }, h);
      assert.ok(r.status >= 400 && r.status < 500, `${r.status} ${JSON.stringify(r.body)}`);
      const text = JSON.stringify(r.body);
      assert.ok(!text.includes(dir), `no server folder in ${text}`);
      // A cell that does not exist, by id: the message names the notebook by its path.
      r = await fresh.api("POST", "/v1/notebooks/create", { name: "c", path: "ok" }, h);
      r = await fresh.api(
        "PUT",
        `/v1/notebooks/${r.body.sessionId}/cells/nope`,
        { source: "1" },
        h,
      );
      assert.equal(r.status, 404);
      assert.ok(!JSON.stringify(r.body).includes(dir), JSON.stringify(r.body));
    } finally {
      await fresh.close();
    }
  } finally {
    await app.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("clear errors - a full disk answers 507 naming the problem; the notebook is intact and nothing half-written stays", async () => {
  const dir = await Deno.makeTempDir({ prefix: "strata-full-" });
  const disk = `${dir}/disk`;
  await Deno.mkdir(disk);
  const mount = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", "size=256k", "tmpfs", disk],
    stderr: "piped",
  }).output().catch((e) => ({ success: false, stderr: new TextEncoder().encode(String(e)) }));
  if (!mount.success) {
    console.log(
      `!!! SKIPPED full-disk test: cannot mount a small tmpfs here (${
        new TextDecoder().decode(mount.stderr).trim()
      }); it needs root`,
    );
    await Deno.remove(dir, { recursive: true });
    return;
  }
  const app = await inProcessApp(dir, { STRATA_NOTEBOOK_STORAGE_DIR: disk });
  const h = proxyHeaders("ana", ALL);
  try {
    let r = await app.api("POST", "/v1/notebooks/create", { name: "small", path: "small" }, h);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const sid = r.body.sessionId;
    r = await app.api("POST", `/v1/notebooks/${sid}/cells`, { source: "const kept = 1" }, h);
    assert.equal(r.status, 201);
    const kept = r.body.cellId;

    r = await app.api("POST", `/v1/notebooks/${sid}/cells`, { source: "x".repeat(600_000) }, h);
    assert.equal(r.status, 507, JSON.stringify(r.body).slice(0, 300));
    assert.equal(r.body.error.code, "storage_full");
    assert.match(r.body.error.message, /storage is full/);
    assert.ok(!r.body.error.message.includes(disk), r.body.error.message);

    // Nothing lost, nothing half-written: the notebook reopens with its one cell.
    const files = [...Deno.readDirSync(`${disk}/small`)].map((e) => e.name);
    assert.deepEqual(files.filter((f) => f.endsWith(".tmp")), [], `leftovers: ${files}`);
    const fresh = await inProcessApp(dir, { STRATA_NOTEBOOK_STORAGE_DIR: disk });
    try {
      r = await fresh.api("POST", "/v1/notebooks/open", { path: "small" }, h);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body.cells.map((c: { id: string }) => c.id), [kept]);
    } finally {
      await fresh.close();
    }
  } finally {
    await app.close();
    await new Deno.Command("umount", { args: [disk] }).output();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("clear errors - a cell file grown past the limit on disk is refused with a diagnostic, not parsed or run", async () => {
  const dir = await Deno.makeTempDir({ prefix: "strata-oversized-" });
  const app = await inProcessApp(dir);
  const h = proxyHeaders("ana", ALL);
  try {
    let r = await app.api("POST", "/v1/notebooks/create", { name: "big", path: "big" }, h);
    r = await app.api("POST", `/v1/notebooks/${r.body.sessionId}/cells`, { source: "1" }, h);
    const file = r.body.state.cells[0].file;
    // Someone pastes 2 MB of data into the cell file with an editor.
    await Deno.writeTextFile(
      `${dir}/notebooks/big/${file}`,
      `const rows = "${"x".repeat(2_000_000)}"`,
    );
    const fresh = await inProcessApp(dir);
    try {
      r = await fresh.api("POST", "/v1/notebooks/open", { path: "big" }, h);
      assert.equal(r.status, 200);
      const cell = r.body.cells[0];
      const d = cell.diagnostics.find((x: { code: string }) => x.code === "too-large");
      assert.ok(d, JSON.stringify(cell.diagnostics).slice(0, 300));
      assert.match(d.message, /at most 1,000,000/);
      r = await fresh.api(
        "POST",
        `/v1/notebooks/${r.body.sessionId}/cells/${cell.id}/execute`,
        undefined,
        h,
      );
      assert.equal(r.status, 200);
      const out = r.body.state.cells[0].outputs;
      assert.equal(r.body.state.cells[0].status, "error");
      assert.match(out.error.message, /at most 1,000,000/);
    } finally {
      await fresh.close();
    }
  } finally {
    await app.close();
    await Deno.remove(dir, { recursive: true });
  }
});
