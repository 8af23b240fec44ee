// deno-lint-ignore-file no-explicit-any -- JSON answers of tools are read untyped
// The MCP server over streamable HTTP, driven by the official MCP client against a real server
// process (tests/_server.ts): personal mode end to end, and service mode's ACL and audit.
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startServer, type TestServer } from "./_server.ts";

/** An MCP client connected to `s` at /mcp with `headers` on every request. */
async function connect(s: TestServer, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: "strata-test", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${s.url}/mcp`), { requestInit: { headers } }),
  );
  return client;
}

/** Calls a tool and parses its JSON text answer; fails on a tool error. */
async function call(client: Client, name: string, args: Record<string, unknown>): Promise<any> {
  const r: any = await client.callTool({ name, arguments: args });
  assert.ok(!r.isError, `${name} failed: ${JSON.stringify(r.content)}`);
  return JSON.parse(r.content[0].text);
}

Deno.test("mcp - an agent creates a notebook, adds dependent cells, runs, reads outputs, sees why-stale", async () => {
  const s = await startServer();
  const client = await connect(s);
  try {
    const { tools } = await client.listTools();
    const names = tools.map((t: any) => t.name);
    for (
      const n of [
        "list_notebooks",
        "create_notebook",
        "open_notebook",
        "get_notebook",
        "add_cell",
        "edit_cell",
        "delete_cell",
        "run_cell",
        "run_all",
        "get_output",
        "get_dag",
        "plan",
        "generate_cell",
      ]
    ) assert.ok(names.includes(n), `tool ${n} listed (got ${names.join(", ")})`);
    const addCell = tools.find((t: any) => t.name === "add_cell")!;
    assert.deepEqual(addCell.inputSchema.required?.sort(), ["sid", "source"]);
    assert.ok(addCell.description && !addCell.description.includes("\n"));

    const nb = await call(client, "create_notebook", { name: "Agent demo" });
    assert.match(nb.sid, /\S/);
    assert.equal(nb.path, "agent-demo");
    const a = await call(client, "add_cell", { sid: nb.sid, source: "// @name base\nconst x = 6" });
    const b = await call(client, "add_cell", {
      sid: nb.sid,
      source: "const rows = [{ n: x, sq: x * x }, { n: x + 1, sq: (x + 1) ** 2 }]\nrows",
    });
    assert.deepEqual(b.cell.upstream, [a.cellId], "the second cell reads x from the first");

    // plan before running: both cells would execute.
    const before = await call(client, "plan", { sid: nb.sid, cellId: b.cellId });
    assert.deepEqual(before.cells.map((c: any) => [c.id, c.action]), [
      [a.cellId, "run"],
      [b.cellId, "run"],
    ]);

    const progress: any[] = [];
    const ran: any = await client.callTool(
      { name: "run_cell", arguments: { sid: nb.sid, cellId: b.cellId } },
      undefined,
      { onprogress: (p: any) => progress.push(p) },
    );
    assert.ok(!ran.isError, JSON.stringify(ran.content));
    const run = JSON.parse(ran.content[0].text);
    assert.equal(run.ok, true);
    assert.deepEqual(run.ran.map((c: any) => c.cellId), [a.cellId, b.cellId]);
    assert.ok(progress.length >= 1, "the run reported progress");
    assert.equal(progress.at(-1).total, 2);

    // The table comes back as JSON rows, limited to rowLimit.
    const out: any = await client.callTool({
      name: "get_output",
      arguments: { sid: nb.sid, cellId: b.cellId, rowLimit: 1 },
    });
    assert.ok(!out.isError);
    const table = out.content.map((c: any) => c.text).find((t: string) => t.includes('"table"'));
    assert.ok(table, JSON.stringify(out.content));
    assert.deepEqual(JSON.parse(table).rows, [{ n: 6, sq: 36 }]);
    assert.equal(JSON.parse(table).totalRows, 2);

    // After a run, plan says both would come from the cache.
    const after = await call(client, "plan", { sid: nb.sid });
    assert.deepEqual(after.cells.map((c: any) => c.action), ["hit", "hit"]);

    // Editing the upstream cell makes the downstream one stale, and says why.
    const edited = await call(client, "edit_cell", {
      sid: nb.sid,
      cellId: a.cellId,
      source: "// @name base\nconst x = 7",
    });
    const down = edited.cells.find((c: any) => c.id === b.cellId);
    assert.equal(down.status, "stale");
    assert.match(down.whyStale, /upstream/);
    // The why-chain names cells by their @name (or [n] position), not by id.
    assert.match(down.whyStale, /base: own source changed/);
    const state = await call(client, "get_notebook", { sid: nb.sid });
    assert.equal(state.cells[1].status, "stale");
    assert.equal(state.cells[1].outputs.current, false);

    const dag = await call(client, "get_dag", { sid: nb.sid });
    assert.deepEqual(dag.edges.map((e: any) => [e.from, e.to, e.names]), [
      [a.cellId, b.cellId, ["x"]],
    ]);

    // Resources: the notebook by path, and a cell.
    const { resources } = await client.listResources();
    assert.ok(resources.some((r: any) => r.uri === "strata://notebooks/agent-demo"));
    const cell = await client.readResource({
      uri: `strata://notebooks/agent-demo/cells/${a.cellId}`,
    });
    assert.equal((cell.contents[0] as any).text, "// @name base\nconst x = 7");

    // A resource path cannot leave the notebook root.
    await assert.rejects(
      client.readResource({ uri: "strata://notebooks/..%2F..%2F..%2Fetc" }),
      /outside the notebook/,
    );

    // Errors are tool errors with the API's message.
    const bad: any = await client.callTool({
      name: "run_cell",
      arguments: { sid: nb.sid, cellId: "nope" },
    });
    assert.equal(bad.isError, true);
    const http = await s.api("POST", `/v1/notebooks/${nb.sid}/cells/nope/execute`);
    assert.equal(http.status, 404);
    assert.equal(bad.content[0].text, http.body.error.message);
    const invalid: any = await client.callTool({ name: "add_cell", arguments: { sid: nb.sid } });
    assert.equal(invalid.isError, true);
    const httpInvalid = await s.api("POST", `/v1/notebooks/${nb.sid}/cells`, {});
    assert.equal(invalid.content[0].text, httpInvalid.body.error.message);
  } finally {
    await client.close();
    await s.close();
  }
});

Deno.test("mcp - an agent cannot grant its cells permissions: @allow waits for a person", async () => {
  const s = await startServer();
  const client = await connect(s);
  try {
    const { tools } = await client.listTools();
    assert.ok(tools.length >= 12);
    assert.ok(
      !tools.some((t: any) => /approve|grant/i.test(t.name)),
      "no tool approves grants",
    );
    const nb = await call(client, "create_notebook", { name: "grabby" });
    const cell = await call(client, "add_cell", {
      sid: nb.sid,
      source: "// @allow net=example.com\nconst page = 1",
    });
    assert.match(cell.cell.blocked ?? "", /approv/i, JSON.stringify(cell.cell));
    const run = await call(client, "run_cell", { sid: nb.sid, cellId: cell.cellId });
    assert.equal(run.ok, false, JSON.stringify(run));
    const state = await call(client, "get_notebook", { sid: nb.sid });
    assert.deepEqual(state.awaitingApproval, ["net=example.com"]);
    assert.equal(run.ran[0].cell.outputs.error.kind, "permission");
    assert.match(run.ran[0].cell.outputs.error.message, /^Not run: waiting for approval/);
  } finally {
    await client.close();
    await s.close();
  }
});

Deno.test("mcp - personal mode: a cross-site page cannot call tools (drive-by guard)", async () => {
  const s = await startServer();
  try {
    const res = await fetch(`${s.url}/mcp`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        origin: "https://evil.example",
        "sec-fetch-site": "cross-site",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "create_notebook", arguments: { name: "pwned" } },
      }),
    });
    assert.equal(res.status, 403);
    await res.body?.cancel();
    const list = await s.api("GET", "/v1/notebooks/discover");
    assert.equal(list.body.notebooks.length, 0, "nothing was created");
  } finally {
    await s.close();
  }
});

const TOKEN = "mcp-test-proxy-token-0123456";
const ALL = "notebook:read notebook:write notebook:execute";

function who(principal: string, scopes: string): Record<string, string> {
  return {
    "X-Strata-Proxy-Token": TOKEN,
    "X-Strata-Principal": principal,
    "X-Strata-Scopes": scopes,
  };
}

Deno.test("mcp - service mode: an ACL-denied run_cell is refused as over HTTP, calls are audited", async () => {
  const artifacts = await Deno.makeTempDir({ prefix: "strata-mcp-art-" });
  const acl = {
    default: "deny",
    deny: [{ principal: "bob", scope: "notebook:execute" }],
    allow: [{ resource: "notebooks/**" }, { principal: "auditor", resource: "admin/*" }],
  };
  const s = await startServer({
    STRATA_DEPLOYMENT_MODE: "service",
    STRATA_AUTH_MODE: "trusted_proxy",
    STRATA_PROXY_TOKEN: TOKEN,
    STRATA_AUDIT_HMAC_KEY: "m".repeat(40),
    STRATA_ARTIFACT_DIR: artifacts,
    STRATA_ACL_CONFIG: JSON.stringify(acl),
    STRATA_MULTI_TENANT_ENABLED: "true",
  });
  const alice = await connect(s, who("alice", ALL));
  const bob = await connect(s, who("bob", ALL));
  try {
    // Without the proxy token, /mcp is refused like the API.
    const anon = await fetch(`${s.url}/mcp`, { method: "POST", body: "{}" });
    assert.equal(anon.status, 401);
    await anon.body?.cancel();

    const nb = await call(alice, "create_notebook", { name: "shared" });
    const cell = await call(alice, "add_cell", { sid: nb.sid, source: "6 * 7" });
    const ok: any = await alice.callTool({
      name: "run_cell",
      arguments: { sid: nb.sid, cellId: cell.cellId },
    });
    assert.ok(!ok.isError, JSON.stringify(ok.content));

    // bob may read the notebook but a deny rule stops execute: the same 404 message as HTTP.
    const opened = await call(bob, "open_notebook", { path: "shared" });
    const refused: any = await bob.callTool({
      name: "run_cell",
      arguments: { sid: opened.sid, cellId: cell.cellId },
    });
    assert.equal(refused.isError, true);
    assert.equal(refused.structuredContent.error.code, "not_found");
    const http = await s.api(
      "POST",
      `/v1/notebooks/${opened.sid}/cells/${cell.cellId}/execute`,
      undefined,
      who("bob", ALL),
    );
    assert.equal(http.status, 404);
    assert.equal(refused.content[0].text, http.body.error.message);

    // Another tenant holding alice's session id sees nothing, as over HTTP.
    const carol = await connect(s, { ...who("carol", ALL), "X-Tenant-ID": "other-team" });
    const foreign: any = await carol.callTool({ name: "get_notebook", arguments: { sid: nb.sid } });
    await carol.close();
    assert.equal(foreign.isError, true);
    const foreignHttp = await s.api("GET", `/v1/notebooks/${nb.sid}`, undefined, {
      ...who("carol", ALL),
      "X-Tenant-ID": "other-team",
    });
    assert.equal(foreignHttp.status, 404);
    assert.equal(foreign.content[0].text, foreignHttp.body.error.message);

    // The audit log shows the MCP calls and the MCP denial, marked with their surface.
    const audit = await s.api(
      "GET",
      "/v1/audit/events?limit=1000",
      undefined,
      who("auditor", "admin:audit"),
    );
    assert.equal(audit.status, 200, JSON.stringify(audit.body));
    const events: any[] = (audit.body.events ?? audit.body).map((e: any) => ({
      ...e,
      details: JSON.parse(e.details_json ?? e.detailsJson ?? "{}"),
    }));
    const created = events.filter((e) => e.action === "notebook.create");
    assert.equal(created.length, 1);
    assert.equal(created[0].actor, "alice");
    assert.equal(created[0].details.surface, "mcp");
    const denials = events.filter((e) => e.action === "acl.deny" && e.actor === "bob");
    assert.equal(denials.length, 2, "one over MCP, one over HTTP");
    assert.deepEqual(denials.map((e) => e.details.surface ?? "http").sort(), ["http", "mcp"]);
    const runs = events.filter((e) => e.action === "cell.execute" && e.actor === "alice");
    assert.equal(runs.length, 1, "alice's MCP run is audited per cell");
  } finally {
    await alice.close();
    await bob.close();
    await s.close();
    await Deno.remove(artifacts, { recursive: true });
  }
});
