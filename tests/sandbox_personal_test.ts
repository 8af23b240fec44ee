// deno-lint-ignore-file no-explicit-any -- JSON answers of the HTTP API are read untyped
// Issue 13, personal mode: the owner's ceiling is wide, but a notebook whose cells ask for grants
// beyond the defaults runs them only after the owner approves once; until then the cells show
// what they ask for. Approvals live in .strata/approvals.json, bound to this installation and
// this folder: a copied approvals file approves nothing.
import assert from "node:assert/strict";
import { startServer, type TestServer } from "./_server.ts";

async function notebook(s: TestServer, name: string, cells: string[]) {
  const r = await s.api("POST", "/v1/notebooks/create", { name });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const sid = r.body.sessionId as string;
  const ids: string[] = [];
  for (const source of cells) {
    const c = await s.api("POST", `/v1/notebooks/${sid}/cells`, { source });
    assert.equal(c.status, 201, JSON.stringify(c.body));
    ids.push(c.body.cellId);
  }
  return { sid, ids };
}

async function execute(s: TestServer, sid: string, cellId: string) {
  const r = await s.api("POST", `/v1/notebooks/${sid}/cells/${cellId}/execute`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.state.cells.find((c: any) => c.id === cellId);
}

Deno.test("sandbox personal - @allow grants run only after approval; until then the cell shows what it asks", async () => {
  const s = await startServer();
  const outside = await Deno.realPath(await Deno.makeTempDir({ prefix: "strata-sbx-p-" }));
  try {
    await Deno.writeTextFile(`${outside}/notes.txt`, "outside notes");
    const cell = `// @allow read=${outside}\nconst notes = Deno.readTextFileSync(${
      JSON.stringify(`${outside}/notes.txt`)
    });\nnotes`;
    const plain = "const n = 40 + 2\nn";
    const nb = await notebook(s, "approvals", [plain, cell]);

    // Before approval: the state says what the cell asks for; running it refuses.
    let st = (await s.api("GET", `/v1/notebooks/${nb.sid}`)).body;
    assert.deepEqual(st.awaitingApproval, [`read=${outside}`]);
    assert.deepEqual(st.cells[1].grants.awaitingApproval, [`read=${outside}`]);
    assert.deepEqual(st.cells[0].grants.awaitingApproval, [], "a cell without @allow runs as is");
    const diag = st.cells[1].diagnostics.find((d: any) => d.code === "approval");
    assert.match(diag?.message ?? "", new RegExp(`Asks for read=${outside}`));
    let c = await execute(s, nb.sid, nb.ids[1]);
    assert.equal(c.outputs.error.kind, "permission");
    assert.match(c.outputs.error.message, /waiting for approval of read=/);
    assert.equal(c.outputs.displays.length, 0);
    c = await execute(s, nb.sid, nb.ids[0]);
    assert.equal(c.status, "ready", "cells without grants run without approval");

    // Approving something the notebook does not ask for is refused.
    let r = await s.api("POST", `/v1/notebooks/${nb.sid}/approve-grants`, { grants: ["run"] });
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /Cannot approve 'run': no cell .* is waiting for it/);
    r = await s.api("POST", `/v1/notebooks/${nb.sid}/approve-grants`, "not json" as any);
    assert.equal(r.status, 400);

    // Approve once: the cell runs.
    r = await s.api("POST", `/v1/notebooks/${nb.sid}/approve-grants`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.approved, [`read=${outside}`]);
    assert.deepEqual(r.body.state.awaitingApproval, []);
    c = await execute(s, nb.sid, nb.ids[1]);
    assert.equal(c.outputs.error, null, JSON.stringify(c.outputs.error));
    assert.match(JSON.stringify(c.outputs.displays), /outside notes/);

    // The approval is in .strata/, not notebook.toml, and survives a restart.
    const dir = `${s.dir}/notebooks/approvals`;
    assert.equal((await Deno.readTextFile(`${dir}/notebook.toml`)).includes(outside), false);
    assert.match(await Deno.readTextFile(`${dir}/.strata/approvals.json`), /"grant": "read=/);
    await s.restart();
    r = await s.api("POST", "/v1/notebooks/open", { path: "approvals" });
    assert.deepEqual(r.body.awaitingApproval, []);

    // A new grant asks again, for itself only.
    const sid = r.body.sessionId;
    const edited = `// @allow read=${outside} net=api.example.com\n${
      cell.split("\n").slice(1).join("\n")
    }`;
    r = await s.api("PUT", `/v1/notebooks/${sid}/cells/${nb.ids[1]}`, { source: edited });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    st = (await s.api("GET", `/v1/notebooks/${sid}`)).body;
    assert.deepEqual(st.awaitingApproval, ["net=api.example.com"]);

    // A notebook that arrives with someone else's approvals file is not approved.
    const copy = await notebook(s, "copied", [cell]);
    await Deno.copyFile(
      `${dir}/.strata/approvals.json`,
      `${s.dir}/notebooks/copied/.strata/approvals.json`,
    );
    r = await s.api("POST", "/v1/notebooks/open", { path: "copied" });
    c = await execute(s, copy.sid, copy.ids[0]);
    assert.equal(c.outputs.error.kind, "permission", "a copied approvals file approves nothing");
  } finally {
    await s.close();
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("sandbox personal - a symlink out of the folder asks for approval, naming the link and its target", async () => {
  const s = await startServer();
  const outside = await Deno.realPath(await Deno.makeTempDir({ prefix: "strata-sbx-l-" }));
  try {
    await Deno.writeTextFile(`${outside}/big.csv`, "a,b\n1,2\n");
    const nb = await notebook(s, "linked", [
      "const csv = Deno.readTextFileSync('data/big.csv');\ncsv",
    ]);
    await Deno.symlink(outside, `${s.dir}/notebooks/linked/data`);
    let c = await execute(s, nb.sid, nb.ids[0]);
    assert.equal(c.outputs.error.kind, "permission", JSON.stringify(c.outputs));
    const diag = c.diagnostics.find((d: any) => d.code === "approval");
    assert.match(diag?.message ?? "", new RegExp(`symlink 'data' → '${outside}'`));
    const r = await s.api("POST", `/v1/notebooks/${nb.sid}/approve-grants`);
    assert.deepEqual(r.body.approved, [`read=${outside}`]);
    c = await execute(s, nb.sid, nb.ids[0]);
    assert.match(JSON.stringify(c.outputs.displays), /a,b/);
  } finally {
    await s.close();
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("sandbox personal - remote imports: npm/JSR/deno.land by default, other hosts need a grant", async () => {
  const s = await startServer();
  try {
    const nb = await notebook(s, "imports", [
      `let m = "";\ntry { await import("https://esm.sh/ms@2.1.3"); m = "loaded"; } catch (e) { m = (e as Error).message; }\nm`,
    ]);
    const c = await execute(s, nb.sid, nb.ids[0]);
    assert.match(JSON.stringify(c.outputs.displays), /Requires import access to \\"esm\.sh:443\\"/);
  } finally {
    await s.close();
  }
});
