// deno-lint-ignore-file no-explicit-any -- JSON answers of the HTTP API are read untyped
// The one policy point, tested as an attacker would: for every command of the table, on HTTP
// and on the WebSocket, a caller without the scope is refused, a caller an ACL rule denies is
// refused with the same status/code on both surfaces, and each refusal is in the audit log.
import assert from "node:assert/strict";
import { COMMANDS } from "../lib/commands/mod.ts";
import { SCOPES } from "../lib/auth/scopes.ts";
import { inProcessApp, openSocket, proxyHeaders } from "./_app.ts";

const ALL = "notebook:* admin:* app:use";
const ALL_SCOPES: readonly string[] = SCOPES;
/** A principal an ACL rule denies exactly one scope, for every resource. */
const aclDenied = (scope: string) => `denied-${scope.replace(":", "-")}`;

/** How each command is asked for over HTTP. `sid`: the open session; `cell`: one of its cells. */
type Ctx = { sid: string; cell: string };
const HTTP: Record<string, (x: Ctx) => [string, string, unknown?]> = {
  "notebook.create": () => ["POST", "/v1/notebooks/create", { name: "x", path: "secret/new" }],
  "notebook.open": () => ["POST", "/v1/notebooks/open", { path: "secret" }],
  "notebook.discover": () => ["GET", "/v1/notebooks/discover"],
  "notebook.state": (x) => ["GET", `/v1/notebooks/${x.sid}`],
  "notebook.watch": (x) => ["GET", `/v1/notebooks/ws/${x.sid}`],
  "notebook.dag": (x) => ["GET", `/v1/notebooks/${x.sid}/dag`],
  "notebook.plan": (x) => ["GET", `/v1/notebooks/${x.sid}/plan`],
  "notebook.artifacts": (x) => ["GET", `/v1/notebooks/${x.sid}/artifacts`],
  "notebook.export": (x) => ["GET", `/v1/notebooks/${x.sid}/export?format=html`],
  "notebook.delete": (x) => ["DELETE", `/v1/notebooks/${x.sid}`],
  "notebook.delete_by_path": () => ["POST", "/v1/notebooks/delete-by-path", { path: "secret" }],
  "notebook.approve_grants": (x) => ["POST", `/v1/notebooks/${x.sid}/approve-grants`, {}],
  "cell.add": (x) => ["POST", `/v1/notebooks/${x.sid}/cells`, { source: "1" }],
  "cell.edit": (x) => ["PUT", `/v1/notebooks/${x.sid}/cells/${x.cell}`, { source: "2" }],
  "cell.delete": (x) => ["DELETE", `/v1/notebooks/${x.sid}/cells/${x.cell}`],
  "cell.reorder": (x) => ["PUT", `/v1/notebooks/${x.sid}/cells/reorder`, { order: [x.cell] }],
  "cell.execute": (x) => ["POST", `/v1/notebooks/${x.sid}/cells/${x.cell}/execute`],
  "cell.complete": (
    x,
  ) => ["POST", `/v1/notebooks/${x.sid}/cells/${x.cell}/complete`, { offset: 0 }],
  "cell.hover": (x) => ["POST", `/v1/notebooks/${x.sid}/cells/${x.cell}/hover`, { offset: 0 }],
  "cell.definition": (
    x,
  ) => ["POST", `/v1/notebooks/${x.sid}/cells/${x.cell}/definition`, { offset: 0 }],
  "notebook.run_all": (x) => ["POST", `/v1/notebooks/${x.sid}/run-all`],
  "notebook.cancel": (x) => ["POST", `/v1/notebooks/${x.sid}/cancel`],
  "env.update": (x) => ["PUT", `/v1/notebooks/${x.sid}/env`, { values: { A: "1" } }],
  "secret_manager.config": (x) => [
    "PUT",
    `/v1/notebooks/${x.sid}/secret-manager/config`,
    { config: null },
  ],
  "secret_manager.refresh": (x) => ["POST", `/v1/notebooks/${x.sid}/secret-manager/refresh`],
  "transform.materialize": () => ["POST", "/v1/materialize", { transform: "t" }],
  "stream.read": () => ["GET", `/v1/streams/t.${"a".repeat(64)}`],
  "cache.clear": () => ["POST", "/v1/cache/clear"],
  "admin.tenants": () => ["GET", "/v1/admin/tenants"],
  "audit.verify": () => ["GET", "/v1/audit/verify"],
  "audit.events": () => ["GET", "/v1/audit/events"],
  "widget.set": (x) => ["PUT", `/v1/notebooks/${x.sid}/widgets/${x.cell}/n`, { value: 1 }],
  "app.open": () => ["POST", "/v1/apps/open", { path: "secret" }],
  "app.run": () => ["POST", "/v1/apps/run", { path: "secret" }],
  "app.set_widget": (x) => [
    "PUT",
    "/v1/apps/widget",
    { path: "secret", cellId: x.cell, name: "n", value: 1 },
  ],
  "ai.generate_cell": (x) => [ // issue 18
    "POST",
    `/v1/notebooks/${x.sid}/cells/generate`,
    { after: null, request: "x" },
  ],
  "output.table_page": ( // issue 16
    x,
  ) => ["POST", `/v1/notebooks/${x.sid}/cells/${x.cell}/table-page`, { display: 0 }],
  "output.table_download": (x) => ["GET", `/v1/notebooks/${x.sid}/cells/${x.cell}/table`],
  "notebook.variables": (x) => ["GET", `/v1/notebooks/${x.sid}/variables`], // issue 16
};

/** The input of each command over the socket's generic `command` message (sid is the socket's). */
const WS_INPUT: Record<string, (x: Ctx) => Record<string, unknown>> = {
  "notebook.create": () => ({ name: "x", path: "secret/new" }),
  "notebook.open": () => ({ path: "secret" }),
  "notebook.delete_by_path": () => ({ path: "secret" }),
  "cell.add": () => ({ source: "1" }),
  "cell.edit": (x) => ({ cellId: x.cell, source: "2" }),
  "cell.delete": (x) => ({ cellId: x.cell }),
  "cell.reorder": (x) => ({ order: [x.cell] }),
  "cell.execute": (x) => ({ cellId: x.cell }),
  "env.update": () => ({ values: { A: "1" } }),
  "secret_manager.config": () => ({ config: null }),
  "transform.materialize": () => ({ transform: "t" }),
  "widget.set": (x) => ({ cellId: x.cell, name: "n", value: 1 }),
  "app.run": () => ({ path: "secret", viewer: "v".repeat(22) }),
  "app.set_widget": (x) => ({
    path: "secret",
    viewer: "v".repeat(22),
    cellId: x.cell,
    name: "n",
    value: 1,
  }),
  "ai.generate_cell": () => ({ after: null, request: "x" }), // issue 18
};

/** Commands that exist in personal mode only: refused in service mode before any ACL. */
const PERSONAL_ONLY = new Set(["notebook.discover", "notebook.delete", "notebook.delete_by_path"]);

Deno.test("command pipeline - every command refuses a missing scope and an ACL denial, on HTTP and the socket, and audits it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "strata-pipeline-" });
  const acl = {
    default: "allow",
    deny: [
      ...ALL_SCOPES.filter((s) => s !== "notebook:read").map((scope) => ({
        principal: aclDenied(scope),
        scope,
      })),
      // Reading: denied on the "secret" notebook (its artifacts too), allowed on "public".
      { principal: aclDenied("notebook:read"), resource: "notebooks/secret**" },
      { principal: aclDenied("notebook:read"), resource: "artifacts/secret/**" },
    ],
  };
  const transforms = { t: { notebook: "secret", cell: "c" } };
  const app = await inProcessApp(dir, {
    STRATA_ACL_CONFIG: JSON.stringify(acl),
    STRATA_TRANSFORMS: JSON.stringify(transforms),
  });
  try {
    const owner = proxyHeaders("owner", ALL);
    let r = await app.api("POST", "/v1/notebooks/create", { name: "s", path: "secret" }, owner);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const secret: Ctx = { sid: r.body.sessionId, cell: "" };
    r = await app.api(
      "POST",
      `/v1/notebooks/${secret.sid}/cells`,
      { source: "// @name c\n1" },
      owner,
    );
    secret.cell = r.body.cellId;
    r = await app.api("POST", "/v1/notebooks/create", { name: "p", path: "public" }, owner);
    const pub: Ctx = { sid: r.body.sessionId, cell: "" };
    r = await app.api("POST", `/v1/notebooks/${pub.sid}/cells`, { source: "1" }, owner);
    pub.cell = r.body.cellId;

    const names = Object.keys(COMMANDS);
    assert.ok(names.length >= 25, `the table lists ${names.length} commands`);
    assert.deepEqual(names.filter((n) => !HTTP[n]), [], "every command has an HTTP form here");

    const expected: { action: string; command: string; actor: string; surface: string }[] = [];
    const url = app.listen().replace("http", "ws");

    for (const name of names) {
      const command = (COMMANDS as Record<string, { scope: string; denyAs?: string }>)[name];
      const scope = command.scope;
      const withoutScope = ALL_SCOPES.filter((s) => s !== scope).join(" ");
      const denyStatus = command.denyAs === "forbidden" ? 403 : 404;
      // Read commands act on the "secret" notebook (denied); the rest on it too, denied by scope.
      const [method, path, body] = HTTP[name](secret);
      // Watching is opening the socket: its HTTP form is the upgrade request.
      // App mode's routes are their own surface (issue 17).
      const surface = name === "notebook.watch" ? "ws" : name.startsWith("app.") ? "app" : "http";

      // --- HTTP, no scope
      const noScope = `noscope-${name}`;
      r = await app.api(method, path, body, proxyHeaders(noScope, withoutScope));
      assert.equal(r.status, 403, `${name} over HTTP without ${scope}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, "forbidden");
      assert.match(r.body.error.message, new RegExp(`Missing scope '${scope}'`));
      expected.push({ action: "scope.deny", command: name, actor: noScope, surface });

      // --- HTTP, ACL denial
      const denied = aclDenied(scope);
      r = await app.api(method, path, body, proxyHeaders(denied, ALL));
      if (PERSONAL_ONLY.has(name)) {
        assert.equal(r.status, 403, `${name} is personal-only: ${JSON.stringify(r.body)}`);
        assert.match(r.body.error.message, /personal mode only/);
      } else {
        assert.equal(
          r.status,
          denyStatus,
          `${name} over HTTP, ACL-denied: ${JSON.stringify(r.body)}`,
        );
        expected.push({ action: "acl.deny", command: name, actor: denied, surface });
      }

      // --- the socket
      if (name === "notebook.watch" || name === "notebook.state") {
        // Reading is opening the socket: refused before the upgrade, like over HTTP.
        r = await app.api(
          "GET",
          `/v1/notebooks/ws/${secret.sid}`,
          undefined,
          proxyHeaders(denied, ALL),
        );
        assert.equal(r.status, 404, `socket on a denied notebook: ${r.status}`);
        r = await app.api(
          "GET",
          `/v1/notebooks/ws/${secret.sid}`,
          undefined,
          proxyHeaders(noScope, withoutScope),
        );
        assert.equal(r.status, 403);
        continue;
      }
      if ((COMMANDS as Record<string, { answer?: string }>)[name].answer === "stream") continue;
      if (scope === "notebook:read" && !WS_INPUT[name]) continue; // sid-bound reads: socket's own notebook
      // A read-only socket for the no-scope caller when the command needs more than read.
      const target = scope === "notebook:read" ? pub : secret;
      const input = (WS_INPUT[name] ?? (() => ({})))(target);
      if (scope !== "notebook:read") {
        const ws = await openSocket(
          `${url}/v1/notebooks/ws/${target.sid}`,
          proxyHeaders(noScope, withoutScope),
        );
        try {
          ws.send("command", { id: "1", command: name, input });
          const e = await ws.next((e) => e.type === "error" && e.payload.id === "1");
          assert.equal(e.payload.code, "forbidden", `${name} over the socket without ${scope}`);
          assert.equal(e.payload.status, 403);
          expected.push({ action: "scope.deny", command: name, actor: noScope, surface: "ws" });
        } finally {
          await ws.close();
        }
      }
      const ws = await openSocket(
        `${url}/v1/notebooks/ws/${target.sid}`,
        proxyHeaders(denied, ALL),
      );
      try {
        ws.send("command", { id: "2", command: name, input });
        const e = await ws.next((e) => e.type === "error" && e.payload.id === "2");
        if (PERSONAL_ONLY.has(name)) {
          assert.equal(e.payload.status, 403);
        } else {
          assert.equal(
            e.payload.status,
            denyStatus,
            `${name} over the socket, ACL-denied: ${JSON.stringify(e.payload)}`,
          );
          assert.equal(e.payload.code, denyStatus === 404 ? "not_found" : "forbidden");
          expected.push({ action: "acl.deny", command: name, actor: denied, surface: "ws" });
        }
      } finally {
        await ws.close();
      }
    }

    // Every refusal is in the audit log, with the command and the surface it came from.
    r = await app.api(
      "GET",
      "/v1/audit/events?limit=1000",
      undefined,
      proxyHeaders("auditor", ALL),
    );
    assert.equal(r.status, 200);
    const events = (r.body.events as any[]).map((e) => ({
      ...e,
      details: JSON.parse(e.detailsJson),
    }));
    const missing = expected.filter((x) =>
      !events.some((e) =>
        e.action === x.action && e.actor === x.actor && e.details.command === x.command &&
        e.details.surface === x.surface
      )
    );
    assert.ok(expected.length > 60, `${expected.length} refusals checked`);
    assert.deepEqual(missing, [], "every refusal is audited");
  } finally {
    await app.close();
    await Deno.remove(dir, { recursive: true });
  }
});
