// deno-lint-ignore-file no-explicit-any -- JSON answers of the HTTP API are read untyped
// Widgets over the API (issue 16) and app mode's per-viewer values (issue 17), in process.
import assert from "node:assert/strict";
import { inProcessApp, proxyHeaders } from "./_app.ts";

const OWNER = proxyHeaders("owner", "notebook:* app:use");
const SLIDER = "const n = ui.slider({ min: 1, max: 10, value: 3, label: 'N' })";

function textOf(state: any, cellId: string): string | undefined {
  const d = state.cells.find((c: any) => c.id === cellId)?.outputs?.displays?.[0];
  return d?.type === "text" ? d.data : undefined;
}

function hits(run: any): [string, boolean][] {
  return run.cells.map((c: any) => [c.cellId, c.cacheHit]);
}

async function setup(dir: string) {
  const app = await inProcessApp(dir);
  let r = await app.api("POST", "/v1/notebooks/create", { name: "W", path: "w" }, OWNER);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const sid = r.body.sessionId;
  r = await app.api("POST", `/v1/notebooks/${sid}/cells`, { source: SLIDER }, OWNER);
  const a = r.body.cellId;
  r = await app.api("POST", `/v1/notebooks/${sid}/cells`, { source: "n.value * 7" }, OWNER);
  const b = r.body.cellId;
  r = await app.api("POST", `/v1/notebooks/${sid}/run-all`, undefined, OWNER);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return { app, sid, a, b, state: r.body.state };
}

Deno.test("widgets api - a slider drives its dependent, values are provenance, bad values are a 400", async () => {
  const dir = await Deno.makeTempDir({ prefix: "strata-widgets-" });
  const { app, sid, a, b, state } = await setup(dir);
  try {
    assert.equal(textOf(state, b), "21");
    const widget = state.cells.find((c: any) => c.id === a).outputs.displays[0];
    assert.equal(widget.type, "widget");
    assert.equal(widget.data.name, "n");
    assert.equal(widget.data.value, 3);
    const toml = await Deno.readTextFile(`${dir}/notebooks/w/notebook.toml`);

    const put = (value: unknown, name = "n", headers = OWNER) =>
      app.api("PUT", `/v1/notebooks/${sid}/widgets/${a}/${name}`, { value }, headers);
    let r = await put(5);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(hits(r.body.run), [[a, false], [b, false]]);
    assert.equal(textOf(r.body.state, b), "35");
    const rt = JSON.parse(await Deno.readTextFile(`${dir}/notebooks/w/.strata/runtime.json`));
    assert.deepEqual(rt.widgets, { [a]: { n: 5 } });
    assert.equal(await Deno.readTextFile(`${dir}/notebooks/w/notebook.toml`), toml);

    r = await put(3);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(hits(r.body.run), [[a, true], [b, true]], "back to 3: cache hits");
    assert.equal(textOf(r.body.state, b), "21");
    r = await put(5);
    assert.deepEqual(hits(r.body.run), [[a, true], [b, true]], "5 again: cache hits");
    assert.equal(textOf(r.body.state, b), "35");

    r = await put(11);
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.match(r.body.error.message, /widget 'n'.*from 1 to 10/);
    r = await put("7");
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /widget 'n'/);
    r = await put(2.5);
    assert.equal(r.status, 400, "off the step");
    r = await put(5, "m");
    assert.equal(r.status, 404);
    assert.match(r.body.error.message, /no widget 'm'.*'n'/);
    r = await put(4, "n", proxyHeaders("reader", "notebook:read"));
    assert.equal(r.status, 403, "reading is not moving widgets");
    const after = JSON.parse(await Deno.readTextFile(`${dir}/notebooks/w/.strata/runtime.json`));
    assert.deepEqual(after.widgets, { [a]: { n: 5 } }, "refused values were not stored");

    // Values survive a reopen (runtime.json), and the stored value is what the cell sees.
    r = await app.api("GET", `/v1/notebooks/${sid}`, undefined, OWNER);
    assert.equal(r.body.cells.find((c: any) => c.id === a).outputs.displays[0].data.value, 5);
  } finally {
    await app.close();
  }
});

Deno.test("widgets api - app viewers keep their own values and share the cache", async () => {
  const dir = await Deno.makeTempDir({ prefix: "strata-apps-" });
  const { app, a, b } = await setup(dir);
  try {
    const viewer = (v: string, h = OWNER) => ({ ...h, cookie: `strata_viewer=${v.repeat(22)}` });
    const set = (v: string, value: number, h = OWNER) =>
      app.api("PUT", "/v1/apps/widget", { path: "w", cellId: a, name: "n", value }, viewer(v, h));
    const out = (view: any) => view.cells.find((c: any) => c.id === b).displays[0]?.data;
    const runHits = (view: any) => view.run.map((c: any) => [c.cellId, c.cacheHit]);

    let r = await app.api("POST", "/v1/apps/open", { path: "w" }, viewer("a"));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(out(r.body), "21");
    assert.ok(!JSON.stringify(r.body).includes("n.value * 7"), "no code in the app");

    r = await set("a", 8);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(out(r.body), "56");
    assert.deepEqual(runHits(r.body), [[a, false], [b, false]]);
    r = await set("b", 4);
    assert.equal(out(r.body), "28");
    r = await app.api("POST", "/v1/apps/open", { path: "w" }, viewer("a"));
    assert.equal(out(r.body), "56", "viewer a still sees its own value");
    r = await set("c", 8);
    assert.equal(out(r.body), "56");
    assert.deepEqual(runHits(r.body), [[a, true], [b, true]], "a third viewer's same value: cache");

    r = await set("d", 0);
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /widget 'n'.*from 1 to 10/);
    const reader = proxyHeaders("reader", "notebook:read");
    r = await app.api("POST", "/v1/apps/open", { path: "w" }, viewer("e", reader));
    assert.equal(r.status, 200, "notebook:read views the app");
    r = await set("e", 6, reader);
    assert.equal(r.status, 403, "moving widgets needs app:use");
    // Another principal presenting viewer a's cookie gets its own (empty) state, not a's.
    r = await app.api(
      "POST",
      "/v1/apps/open",
      { path: "w" },
      viewer("a", proxyHeaders("mallory", "notebook:read app:use")),
    );
    assert.equal(out(r.body), "21");

    const rt = JSON.parse(await Deno.readTextFile(`${dir}/notebooks/w/.strata/runtime.json`));
    assert.equal(rt.widgets, undefined, "app viewers never write the notebook's values");
    r = await app.api(
      "GET",
      "/v1/audit/events?action=cell.execute",
      undefined,
      proxyHeaders("admin", "admin:audit"),
    );
    assert.equal(r.status, 200, JSON.stringify(r.body));
  } finally {
    await app.close();
  }
});

Deno.test("widgets api - a function reading a widget sees the stored value where it is re-evaluated", async () => {
  const dir = await Deno.makeTempDir({ prefix: "strata-widgets-code-" });
  const app = await inProcessApp(dir);
  try {
    let r = await app.api("POST", "/v1/notebooks/create", { name: "F", path: "f" }, OWNER);
    const sid = r.body.sessionId;
    const source = `${SLIDER}\nfunction twice() { return n.value * 2 }`;
    r = await app.api("POST", `/v1/notebooks/${sid}/cells`, { source }, OWNER);
    const a = r.body.cellId;
    r = await app.api("POST", `/v1/notebooks/${sid}/cells`, { source: "twice()" }, OWNER);
    const b = r.body.cellId;
    r = await app.api("POST", `/v1/notebooks/${sid}/run-all`, undefined, OWNER);
    assert.equal(textOf(r.body.state, b), "6");
    r = await app.api("PUT", `/v1/notebooks/${sid}/widgets/${a}/n`, { value: 5 }, OWNER);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(textOf(r.body.state, b), "10");
    // Now only the reader runs: `twice` travels as code, re-evaluating the widget's cell there.
    r = await app.api("PUT", `/v1/notebooks/${sid}/cells/${b}`, { source: "twice() + 1" }, OWNER);
    r = await app.api("POST", `/v1/notebooks/${sid}/cells/${b}/execute`, undefined, OWNER);
    assert.deepEqual(hits(r.body.run), [[a, true], [b, false]]);
    assert.equal(textOf(r.body.state, b), "11", "the re-evaluated widget has the stored value");
  } finally {
    await app.close();
  }
});
