import assert from "node:assert/strict";
import type { NotebookSession, SessionScope } from "./notebook_session.ts";
import { SessionRegistry } from "./registry.ts";

const TENANT = { id: "default", hash: "h1" };

/** A registry whose opener hands out minimal fake sessions and records each call. */
function registry(release?: Promise<void>) {
  const opened: { root: string; scope: SessionScope }[] = [];
  const sessions = new SessionRegistry(async (root, scope) => {
    opened.push({ root, scope });
    await release;
    return {
      id: scope.sessionId ?? `s${opened.length}`,
      root,
      scope,
      lastUsed: 0,
      cancel() {},
      dispose() {},
    } as unknown as NotebookSession;
  });
  return { sessions, opened };
}

Deno.test("session registry - concurrent opens of one folder call the opener once", async () => {
  let go!: () => void;
  const { sessions, opened } = registry(new Promise((r) => go = r));
  const pending = [
    sessions.open(TENANT, "/nb/a", "a"),
    sessions.open(TENANT, "/nb/a", "a"),
  ];
  go();
  const [first, second] = await Promise.all(pending);
  assert.equal(first, second);
  assert.equal(opened.length, 1);
  assert.deepEqual(opened[0], {
    root: "/nb/a",
    scope: { tenantId: "default", tenantHash: "h1", path: "a", sessionId: undefined },
  });
  assert.equal(await sessions.open(TENANT, "/nb/a", "a"), first);
  assert.equal(sessions.get(TENANT, first.id), first);
  assert.equal(opened.length, 1);
});

Deno.test("session registry - a failed open is not kept; the next open calls the opener again", async () => {
  let calls = 0;
  const sessions = new SessionRegistry((root, scope) => {
    calls++;
    if (calls === 1) return Promise.reject(new Error("cannot load the session modules"));
    return Promise.resolve({ id: "s", root, scope, cancel() {}, dispose() {} } as never);
  });
  await assert.rejects(sessions.open(TENANT, "/nb/a", "a"), /cannot load/);
  assert.equal(sessions.size, 0);
  assert.equal((await sessions.open(TENANT, "/nb/a", "a")).id, "s");
  assert.equal(calls, 2);
});

Deno.test("session registry - another tenant's session id is not found", async () => {
  const { sessions } = registry();
  const s = await sessions.open(TENANT, "/nb/a", "a");
  assert.throws(() => sessions.get({ id: "other", hash: "h2" }, s.id), /not found/);
});
