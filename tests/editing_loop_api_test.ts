// Issue 14 items 1 and 7 over the real app (middleware, command pipeline, socket): an edit based
// on an old version answers 409 with the current source; other tabs are visible as viewers;
// executing an edited cell updates its dependent in the answer.
import assert from "node:assert/strict";
import { inProcessApp, openSocket, proxyHeaders, type SocketClient } from "./_app.ts";

const ALL = "notebook:* admin:*";

Deno.test("api - a stale edit is a 409 conflict naming the cell, with its current source and version", async () => {
  const dir = await Deno.makeTempDir();
  const app = await inProcessApp(dir);
  try {
    const owner = proxyHeaders("owner", ALL);
    let r = await app.api("POST", "/v1/notebooks/create", { name: "c", path: "conflict" }, owner);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const sid = r.body.sessionId;
    r = await app.api("POST", `/v1/notebooks/${sid}/cells`, { source: "const x = 1" }, owner);
    const cid = r.body.cellId;
    r = await app.api("POST", `/v1/notebooks/${sid}/cells`, { source: "x + 1" }, owner);
    const dependent = r.body.cellId;
    const v1 = r.body.state.cells[0].version;
    assert.match(v1, /^[0-9a-f]{16}$/);

    const put = (source: string, baseVersion?: string) =>
      app.api("PUT", `/v1/notebooks/${sid}/cells/${cid}`, { source, baseVersion }, owner);
    r = await put("const x = 2", v1); // tab 1
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const v2 = r.body.cells[0].version;
    assert.notEqual(v2, v1);

    r = await put("const x = 3", v1); // tab 2, based on what it loaded before tab 1 saved
    assert.equal(r.status, 409);
    assert.equal(r.body.error.code, "conflict");
    assert.match(r.body.error.message, /Cannot save cell \[1\]: it was changed by someone else/);
    assert.deepEqual(r.body.error.details, {
      cellId: cid,
      label: "[1]",
      version: v2,
      source: "const x = 2",
    });
    r = await app.api("GET", `/v1/notebooks/${sid}`, undefined, owner);
    assert.equal(r.body.cells[0].source, "const x = 2", "the refused edit changed nothing");

    r = await put("const x = 3", v2); // "Overwrite": based on the current version
    assert.equal(r.status, 200);

    // Executing the edited cell runs its dependent too (autorun), no run-all.
    r = await app.api("POST", `/v1/notebooks/${sid}/cells/${cid}/execute`, undefined, owner);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.run.cells.map((c: { cellId: string }) => c.cellId), [cid, dependent]);
    const dep = r.body.state.cells.find((c: { id: string }) => c.id === dependent);
    assert.equal(dep.status, "ready");
    assert.equal(dep.outputs.displays[0].data, "4");
  } finally {
    await app.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("api - viewers: each open socket is counted and announced to the others", async () => {
  const dir = await Deno.makeTempDir();
  const app = await inProcessApp(dir);
  try {
    const owner = proxyHeaders("owner", ALL);
    const r = await app.api("POST", "/v1/notebooks/create", { name: "p", path: "presence" }, owner);
    const sid = r.body.sessionId;
    const url = `${app.listen().replace("http", "ws")}/v1/notebooks/ws/${sid}`;
    const one = await openSocket(url, owner);
    const first = await seen(one, 0, (e) => e.type === "notebook_state");
    assert.equal(first.payload.viewers, 1);
    const two = await openSocket(url, owner);
    assert.equal((await seen(two, 0, (e) => e.type === "notebook_state")).payload.viewers, 2);
    await seen(one, 0, (e) => e.type === "presence" && e.payload.viewers === 2);

    // A stale edit over the socket: the error event carries the current source too.
    let add = await app.api("POST", `/v1/notebooks/${sid}/cells`, { source: "1" }, owner);
    const cid = add.body.cellId;
    const v1 = add.body.state.cells[0].version;
    add = await app.api("PUT", `/v1/notebooks/${sid}/cells/${cid}`, { source: "2" }, owner);
    one.send("cell_source_update", { cellId: cid, source: "3", baseVersion: v1 });
    const refused = await seen(one, 0, (e) => e.type === "error");
    assert.equal(refused.payload.code, "conflict");
    assert.equal(refused.payload.status, 409);
    assert.equal(refused.payload.details.source, "2");
    const mark = one.events.length;
    await two.close();
    await seen(one, mark, (e) => e.type === "presence" && e.payload.viewers === 1);
    await one.close();
  } finally {
    await app.close();
    await Deno.remove(dir, { recursive: true });
  }
});

/** The first event at or after index `from` matching `pred`, received already or still to come. */
// deno-lint-ignore no-explicit-any -- socket events are read untyped, as in tests/_app.ts
function seen(client: SocketClient, from: number, pred: (e: any) => boolean): Promise<any> {
  const got = client.events.slice(from).find(pred);
  return got ? Promise.resolve(got) : client.next(pred);
}
