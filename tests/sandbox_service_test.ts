// deno-lint-ignore-file no-explicit-any -- JSON answers of the HTTP API are read untyped
// Issue 13, as an attacker would try it: a tenant with ordinary notebook:* scopes on a real
// service-mode server (two tenants) asks for more than the operator's [sandbox] policy allows,
// reads other tenants' folders with no grant, escapes through a symlink, creates a notebook at the
// root or inside another one, and imports remote code. Each is refused with the stated error; a
// grant the policy allows works.
import assert from "node:assert/strict";
import { startServer, type TestServer } from "./_server.ts";
import { tenantHash } from "../lib/tenancy/tenant_id.ts";

const TOKEN = "sandbox-test-proxy-token-0123";
const ALL = "notebook:read notebook:write notebook:execute";

function who(principal: string, tenant: string): Record<string, string> {
  return {
    "X-Strata-Proxy-Token": TOKEN,
    "X-Strata-Principal": principal,
    "X-Strata-Scopes": ALL,
    "X-Tenant-ID": tenant,
  };
}

interface Fixture {
  s: TestServer;
  shared: string;
  teamBOnly: string;
  artifacts: string;
}

async function withServer(fn: (f: Fixture) => Promise<void>): Promise<void> {
  const outside = await Deno.realPath(await Deno.makeTempDir({ prefix: "strata-sbx-" }));
  const shared = `${outside}/shared`;
  const teamBOnly = `${outside}/b-only`;
  const artifacts = `${outside}/artifacts`;
  await Deno.mkdir(shared);
  await Deno.mkdir(teamBOnly);
  await Deno.writeTextFile(`${shared}/rates.csv`, "eur,1.08\n");
  await Deno.writeTextFile(`${teamBOnly}/plan.txt`, "b's plan\n");
  const policy = {
    read: [shared],
    env: ["SHARED_*"],
    rules: [{ tenant: "team-b", read: [teamBOnly] }],
  };
  const s = await startServer({
    STRATA_DEPLOYMENT_MODE: "service",
    STRATA_AUTH_MODE: "trusted_proxy",
    STRATA_PROXY_TOKEN: TOKEN,
    STRATA_AUDIT_HMAC_KEY: "k".repeat(40),
    STRATA_ARTIFACT_DIR: artifacts,
    STRATA_MULTI_TENANT_ENABLED: "true",
    STRATA_REQUIRE_TENANT_HEADER: "true",
    STRATA_SANDBOX: JSON.stringify(policy),
  });
  try {
    await fn({ s, shared, teamBOnly, artifacts });
  } finally {
    await s.close();
    await Deno.remove(outside, { recursive: true });
  }
}

async function notebook(s: TestServer, h: Record<string, string>, name: string, cells: string[]) {
  const r = await s.api("POST", "/v1/notebooks/create", { name }, h);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const sid = r.body.sessionId as string;
  const ids: string[] = [];
  for (const source of cells) {
    const c = await s.api("POST", `/v1/notebooks/${sid}/cells`, { source }, h);
    assert.equal(c.status, 201, JSON.stringify(c.body));
    ids.push(c.body.cellId);
  }
  return { sid, ids };
}

async function execute(s: TestServer, h: Record<string, string>, sid: string, cellId: string) {
  const r = await s.api("POST", `/v1/notebooks/${sid}/cells/${cellId}/execute`, undefined, h);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const cell = r.body.state.cells.find((c: any) => c.id === cellId);
  return { run: r.body.run, cell };
}

/** The text a cell's last expression displayed. */
function shown(cell: any): string {
  assert.equal(cell.outputs?.error, null, JSON.stringify(cell.outputs?.error));
  return cell.outputs.displays.map((d: any) => JSON.stringify(d.data)).join("\n");
}

Deno.test("sandbox service - every grant beyond the policy is refused with a diagnostic and the cell does not run", async () => {
  await withServer(async ({ s, artifacts }) => {
    const a = who("mallory", "team-a");
    const bRoot = `${s.dir}/notebooks/tenants/${await tenantHash("team-b")}`;
    // [annotation, the refused grant as the diagnostic names it, the setting named (null: never)]
    const attacks: [string, string, string | null][] = [
      ["read=/", "read=/", null],
      ["write=/", "write=/", null],
      ["run", "run", null],
      [`net=127.0.0.1:${s.port}`, `net=127.0.0.1:${s.port}`, null],
      [`net=localhost:${s.port}`, `net=localhost:${s.port}`, null],
      ["env", "env", null],
      ["sys", "sys", null],
      ["ffi", "ffi", null],
      [`read=${bRoot}`, `read=${bRoot}`, null],
      [`read=${s.dir}/data`, `read=${s.dir}/data`, null],
      [`write=${artifacts}`, `write=${artifacts}`, null],
      ["read=../..", "read=../.. ", null],
      ["read=/etc", "read=/etc", '[sandbox] read = ["/etc"]'],
      ["net=example.com", "net=example.com", '[sandbox] net = ["example.com"]'],
      ["env=HOME", "env=HOME", '[sandbox] env = ["HOME"]'],
      ["import=esm.sh", "import=esm.sh", '[sandbox] import = ["esm.sh"]'],
    ];
    // Each cell would write a marker if it ran.
    const cells = attacks.map(([allow], i) =>
      `// @allow ${allow}\nawait Deno.writeTextFile("ran-${i}.txt", "x");\nconst r${i} = ${i}`
    );
    const nb = await notebook(s, a, "attacks", cells);
    const runAll = await s.api("POST", `/v1/notebooks/${nb.sid}/run-all`, undefined, a);
    assert.equal(runAll.status, 200, JSON.stringify(runAll.body));
    const state = runAll.body.state;
    assert.equal(state.cells.length, attacks.length);
    for (const [i, [allow, grant, setting]] of attacks.entries()) {
      const cell = state.cells[i];
      const what = `@allow ${allow}`;
      assert.equal(
        cell.outputs?.error?.kind,
        "permission",
        `${what}: ${JSON.stringify(cell.outputs)}`,
      );
      const diag = cell.diagnostics.find((d: any) => d.code === "permission");
      assert.ok(diag, `${what}: a permission diagnostic`);
      assert.equal(diag.severity, "error");
      assert.ok(diag.message.startsWith(`@allow ${grant}`), `${what}: ${diag.message}`);
      // Refusals echo what the cell wrote; they never reveal where the server keeps notebooks.
      if (!allow.includes(s.dir)) assert.equal(diag.message.includes(s.dir), false, diag.message);
      if (setting) {
        assert.ok(diag.message.includes(setting), `${what} names ${setting}: ${diag.message}`);
      } else assert.match(diag.message, /never granted to cells in service mode/, what);
      assert.equal(cell.grants.refused.length, 1, what);
      assert.equal(cell.grants.refused[0].setting, setting, what);
    }
    assert.equal(runAll.body.run.cells.filter((c: any) => c.status === "ready").length, 0);
    const root = `${s.dir}/notebooks/tenants/${await tenantHash("team-a")}/attacks`;
    const ran = [...Deno.readDirSync(root)].filter((e) => e.name.startsWith("ran-"));
    assert.deepEqual(ran, [], "no refused cell ran");
  });
});

Deno.test("sandbox service - a tenant cell cannot read, write, list or learn of another tenant's files", async () => {
  await withServer(async ({ s }) => {
    const b = who("bob", "team-b");
    const nbB = await notebook(s, b, "secret plans", ["const plan = 'b only'"]);
    assert.equal((await execute(s, b, nbB.sid, nbB.ids[0])).cell.status, "ready");
    const tenants = `${s.dir}/notebooks/tenants`;
    const bDir = `${tenants}/${await tenantHash("team-b")}/secret-plans`;
    const a = who("mallory", "team-a");
    const probe = `
const tries: Record<string, string> = {};
const t = (name: string, f: () => unknown) => {
  try { f(); tries[name] = "ALLOWED"; } catch (e) { tries[name] = (e as Error).name; }
};
t("readExisting", () => Deno.readTextFileSync(${JSON.stringify(`${bDir}/notebook.toml`)}));
t("readMissing", () => Deno.readTextFileSync(${JSON.stringify(`${bDir}/nope.toml`)}));
t("statExisting", () => Deno.statSync(${JSON.stringify(bDir)}));
t("statMissing", () => Deno.statSync(${JSON.stringify(`${tenants}/0000/none`)}));
t("listTenants", () => [...Deno.readDirSync(${JSON.stringify(tenants)})]);
t("listParent", () => [...Deno.readDirSync("..")]);
t("write", () => Deno.writeTextFileSync(${JSON.stringify(`${bDir}/planted.ts`)}, "x"));
t("dataDir", () => [...Deno.readDirSync(${JSON.stringify(`${s.dir}/data`)})]);
t("plantCodeCache", () => Deno.writeFileSync(${
      JSON.stringify(`${s.dir}/data/code-cache/typescript-0000000000000000.v8`)
    }, new Uint8Array(64)));
t("environ", () => Deno.readTextFileSync("/proc/1/environ"));
tries`;
    const nbA = await notebook(s, a, "probe", [probe]);
    const { cell } = await execute(s, a, nbA.sid, nbA.ids[0]);
    const out = JSON.parse(JSON.stringify(cell.outputs.displays[0].data));
    const text = JSON.stringify(out);
    assert.ok(!text.includes("ALLOWED"), text);
    // Existing and missing paths fail alike: the answer says nothing about what exists.
    assert.ok(text.includes("NotCapable"), text);
    assert.equal(text.includes("NotFound"), false, text);
    await assert.rejects(Deno.stat(`${bDir}/planted.ts`), Deno.errors.NotFound);
  });
});

Deno.test("sandbox service - grants the policy allows work, per tenant rules apply to their tenant only", async () => {
  await withServer(async ({ s, shared, teamBOnly }) => {
    const a = who("alice", "team-a");
    const b = who("bob", "team-b");
    const readShared = `// @allow read=${shared}\nconst rates = Deno.readTextFileSync(${
      JSON.stringify(`${shared}/rates.csv`)
    });\nrates`;
    const readB = `// @allow read=${teamBOnly}\nconst plan = Deno.readTextFileSync(${
      JSON.stringify(`${teamBOnly}/plan.txt`)
    });\nplan`;
    const na = await notebook(s, a, "allowed", [readShared, readB]);
    let r = await execute(s, a, na.sid, na.ids[0]);
    assert.match(shown(r.cell), /eur,1\.08/);
    assert.equal(r.cell.grants.refused.length, 0);
    r = await execute(s, a, na.sid, na.ids[1]);
    assert.equal(r.cell.outputs.error.kind, "permission", "team-b's rule does not apply to team-a");
    assert.match(r.cell.outputs.error.message, /not allowed by the sandbox policy/);

    const nb = await notebook(s, b, "allowed", [readB]);
    r = await execute(s, b, nb.sid, nb.ids[0]);
    assert.match(shown(r.cell), /b's plan/);
  });
});

Deno.test("sandbox service - a symlink out of the notebook folder is refused at run time, naming the link", async () => {
  await withServer(async ({ s }) => {
    const b = who("bob", "team-b");
    await notebook(s, b, "victim", ["const v = 1"]);
    const bDir = `${s.dir}/notebooks/tenants/${await tenantHash("team-b")}/victim`;
    const a = who("mallory", "team-a");
    const nb = await notebook(s, a, "linked", [
      "const stolen = Deno.readTextFileSync('data/notebook.toml');\nstolen",
    ]);
    const aDir = `${s.dir}/notebooks/tenants/${await tenantHash("team-a")}/linked`;
    // Planted outside the API (e.g. by a git checkout or an archive); cells cannot make links.
    await Deno.symlink(bDir, `${aDir}/data`);
    const { cell } = await execute(s, a, nb.sid, nb.ids[0]);
    assert.equal(cell.outputs.error.kind, "permission", JSON.stringify(cell.outputs));
    assert.match(cell.outputs.error.message, /Symlink 'data' resolves outside the notebook folder/);
    assert.equal(cell.outputs.error.message.includes(bDir), false, "the target is not shown");
    assert.equal(cell.outputs.displays.length, 0);
    const diag = cell.diagnostics.find((d: any) => d.code === "permission");
    assert.match(diag?.message ?? "", /Symlink 'data'/);
  });
});

Deno.test("sandbox service - no notebook at the root ('.') or inside / around another notebook", async () => {
  await withServer(async ({ s }) => {
    const a = who("mallory", "team-a");
    await notebook(s, a, "first", ["1"]);
    let r = await s.api("POST", "/v1/notebooks/create", { name: "all", path: "." }, a);
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.match(r.body.error.message, /Cannot use the notebook root \('\.'\) as a notebook/);
    r = await s.api("POST", "/v1/notebooks/open", { path: "." }, a);
    assert.equal(r.status, 400, JSON.stringify(r.body));
    r = await s.api("POST", "/v1/notebooks/create", { name: "in", path: "first/inner" }, a);
    assert.equal(r.status, 409, JSON.stringify(r.body));
    assert.match(r.body.error.message, /it is inside notebook 'first'/);
    r = await s.api("POST", "/v1/notebooks/create", { name: "deep", path: "team/x/nb" }, a);
    assert.equal(r.status, 201);
    r = await s.api("POST", "/v1/notebooks/create", { name: "around", path: "team" }, a);
    assert.equal(r.status, 409, JSON.stringify(r.body));
    assert.match(r.body.error.message, /it contains notebook 'team\/x\/nb'/);
  });
});

Deno.test("sandbox service - remote imports and npm downloads need policy", async () => {
  await withServer(async ({ s }) => {
    const a = who("mallory", "team-a");
    const nb = await notebook(s, a, "imports", [
      `let remote = "";\ntry { await import("https://esm.sh/ms@2.1.3"); remote = "loaded"; } catch (e) { remote = (e as Error).message; }\nremote`,
      // A version nobody caches: downloading it would need the npm registry.
      `let pkg = "";\ntry { await import("npm:left-pad@1.1.0"); pkg = "loaded"; } catch (e) { pkg = (e as Error).message; }\npkg`,
    ]);
    let r = await execute(s, a, nb.sid, nb.ids[0]);
    assert.match(shown(r.cell), /Requires import access to \\"esm\.sh:443\\"/);
    r = await execute(s, a, nb.sid, nb.ids[1]);
    assert.match(shown(r.cell), /cached-only/);
  });
});
