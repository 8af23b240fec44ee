// deno-lint-ignore-file no-explicit-any -- JSON answers of the HTTP API are read untyped
// Completions, hover and type warnings through the HTTP API (issue 15), on an in-process app
// built like main.ts in service mode with an ACL: the attacker is a caller who may not read the
// notebook and tries to learn its names and types through the language service.
import assert from "node:assert/strict";
import { addCell, createNotebook } from "../lib/notebook/format.ts";
import { inProcessApp, openSocket, proxyHeaders } from "./_app.ts";

const who = (principal: string, scopes: string) => proxyHeaders(principal, scopes);

async function testApp(dir: string) {
  const app = await inProcessApp(dir, {
    STRATA_ACL_CONFIG: JSON.stringify({
      default: "deny",
      deny: [{ principal: "mallory", resource: "notebooks/**" }],
      allow: [{ resource: "notebooks/**" }],
    }),
  });
  return { api: app.api, listen: () => app.listen(), close: () => app.close() };
}

Deno.test("langservice api - completions and hover for readers; type warnings in state never block a run; ACL-denied callers learn nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "strata-langsvc-" });
  const { api, listen, close } = await testApp(dir);
  try {
    const alice = who("alice", "notebook:read notebook:write notebook:execute");
    let r = await api("POST", "/v1/notebooks/create", { name: "sales" }, alice);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const sid = r.body.sessionId;
    const ids: string[] = [];
    for (
      const source of ["const sales = [{ amount: 1 }];", "sales.", 'const n: number = "x";\nn']
    ) {
      r = await api("POST", `/v1/notebooks/${sid}/cells`, { source }, alice);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      ids.push(r.body.cellId);
    }
    const base = `/v1/notebooks/${sid}/cells`;

    // A reader (notebook:read only) completes on the saved source and on an unsaved one.
    const reader = who("rita", "notebook:read");
    r = await api("POST", `${base}/${ids[1]}/complete`, { offset: 6 }, reader);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const labels = r.body.items.map((i: any) => i.label);
    assert.ok(labels.length > 10, labels.join(","));
    assert.ok(labels.includes("filter") && labels.includes("map"), labels.join(","));
    assert.equal(r.body.from, 6);
    r = await api(
      "POST",
      `${base}/${ids[1]}/complete`,
      { source: "sales[0].am", offset: 11 },
      reader,
    );
    assert.deepEqual(r.body.items.map((i: any) => i.label), ["amount"]);
    assert.equal(r.body.from, 9);
    // The unsaved source was only type-checked: the saved cell is unchanged.
    r = await api("GET", `/v1/notebooks/${sid}`, undefined, alice);
    assert.equal(r.body.cells[1].source, "sales.");
    r = await api("POST", `${base}/${ids[1]}/hover`, { source: "sales", offset: 1 }, reader);
    assert.deepEqual(r.body, { text: "const sales: {\n    amount: number;\n}[]" });
    r = await api("POST", `${base}/${ids[1]}/definition`, { source: "sales", offset: 1 }, reader);
    assert.deepEqual(r.body, { definition: { cellId: ids[0], line: 1, column: 7 } });

    // The socket offers the same command (the editor's other channel), for its own notebook.
    const ws = await openSocket(
      `${listen().replace("http", "ws")}/v1/notebooks/ws/${sid}`,
      reader,
    );
    try {
      ws.send("command", {
        id: "c1",
        command: "cell.complete",
        input: { cellId: ids[1], source: "sales.fi", offset: 8 },
      });
      const e = await ws.next((e) => e.type === "command_result" && e.payload.id === "c1");
      const got = e.payload.result.items.map((i: any) => i.label);
      assert.ok(got.includes("filter") && got.includes("find"), got.join(","));
    } finally {
      await ws.close();
    }

    // Bad input is a 400 that says what is wrong; an unknown cell is a 404.
    r = await api("POST", `${base}/${ids[1]}/complete`, { offset: 99 }, reader);
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /Offset 99 is outside cell .* 6 characters/);
    r = await api("POST", `${base}/${ids[1]}/complete`, { offset: -1 }, reader);
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /Invalid offset/);
    r = await api("POST", `${base}/nope/hover`, { offset: 0 }, reader);
    assert.equal(r.status, 404);

    // Attacks: no read scope, or an ACL deny, answers without a single name or type.
    r = await api(
      "POST",
      `${base}/${ids[1]}/complete`,
      { offset: 6 },
      who("wes", "notebook:write"),
    );
    assert.equal(r.status, 403, JSON.stringify(r.body));
    assert.equal(r.body.items, undefined);
    const mallory = who("mallory", "notebook:read notebook:write notebook:execute");
    for (const path of ["complete", "hover", "definition"]) {
      r = await api("POST", `${base}/${ids[1]}/${path}`, { source: "sales", offset: 5 }, mallory);
      assert.equal(r.status, 404, `${path}: ${JSON.stringify(r.body)}`);
      assert.doesNotMatch(JSON.stringify(r.body), /amount|filter/);
    }

    // The type error shows as one warning in the cell's diagnostics (checked in the background).
    let warnings: any[] = [];
    for (let i = 0; i < 200 && warnings.length === 0; i++) {
      r = await api("GET", `/v1/notebooks/${sid}`, undefined, alice);
      warnings = r.body.cells[2].diagnostics.filter((d: any) => d.source === "types");
      if (warnings.length === 0) await new Promise((ok) => setTimeout(ok, 50));
    }
    assert.equal(warnings.length, 1, JSON.stringify(r.body.cells[2].diagnostics));
    assert.deepEqual(
      { ...warnings[0], message: undefined },
      {
        severity: "warning",
        source: "types",
        code: "TS2322",
        line: 1,
        column: 7,
        endLine: 1,
        endColumn: 8,
        message: undefined,
      },
    );
    assert.deepEqual(r.body.cells[0].diagnostics, []);

    // ... and does not block the run: the cell runs and shows the string.
    r = await api("POST", `${base}/${ids[2]}/execute`, undefined, alice);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    r = await api("GET", `/v1/notebooks/${sid}`, undefined, alice);
    assert.equal(r.body.cells[2].status, "ready");
    assert.equal(r.body.cells[2].outputs.displays[0].data, "x");
  } finally {
    await close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("langservice api - a notebook opened from disk gets its type warnings after the first edit", async () => {
  // Issue 20: opening builds no type service (a notebook opened to read or run pays nothing for
  // it); the first edit of any cell builds it and checks every cell, not only the edited one.
  const dir = await Deno.makeTempDir({ prefix: "strata-langsvc-" });
  const { api, close } = await testApp(dir);
  try {
    const root = `${dir}/notebooks/typed`;
    await createNotebook(root, { name: "typed" });
    const a = await addCell(root, { source: "const sales = [{ amount: 1 }];" });
    const b = await addCell(root, { source: 'const n: number = "x";\nn' });
    const alice = who("alice", "notebook:read notebook:write notebook:execute");
    let r = await api("POST", "/v1/notebooks/open", { path: "typed" }, alice);
    assert.ok(r.status === 200 || r.status === 201, JSON.stringify(r.body));
    const sid = r.body.sessionId;
    r = await api("POST", `/v1/notebooks/${sid}/run-all`, undefined, alice);
    assert.equal(r.status, 200, JSON.stringify(r.body));

    // An edit of the first cell (not the one with the type error) starts the check of all cells.
    r = await api(
      "PUT",
      `/v1/notebooks/${sid}/cells/${a.cellId}`,
      { source: "const sales = [{ amount: 2 }];" },
      alice,
    );
    assert.equal(r.status, 200, JSON.stringify(r.body));
    let warnings: any[] = [];
    for (let i = 0; i < 300 && warnings.length === 0; i++) {
      r = await api("GET", `/v1/notebooks/${sid}`, undefined, alice);
      const cell = r.body.cells.find((c: any) => c.id === b.cellId);
      warnings = cell.diagnostics.filter((d: any) => d.source === "types");
      if (warnings.length === 0) await new Promise((ok) => setTimeout(ok, 50));
    }
    assert.equal(warnings.length, 1, JSON.stringify(r.body.cells));
    assert.equal(warnings[0].code, "TS2322");
    assert.equal(warnings[0].line, 1);
  } finally {
    await close();
    await Deno.remove(dir, { recursive: true });
  }
});
