// deno-lint-ignore-file no-explicit-any -- JSON answers of the HTTP API are read untyped
// Personal mode shared with a small group (personal_mode_user_header), against a real server.
import assert from "node:assert/strict";
import { parse as parseToml } from "smol-toml";
import { startServer } from "./_server.ts";

const as = (user: string) => ({ "X-Forwarded-User": user });

Deno.test("shared personal mode - owner stamp, discover filter, non-owner delete 404, open by path allowed", async () => {
  const s = await startServer({ STRATA_PERSONAL_MODE_USER_HEADER: "X-Forwarded-User" });
  try {
    const create = async (name: string, headers: Record<string, string>) => {
      const r = await s.api("POST", "/v1/notebooks/create", { name }, headers);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body;
    };
    const alice = await create("alice-nb", as("alice@example.com"));
    await create("bob-nb", as("bob@example.com"));
    await create("legacy", {});
    assert.equal(alice.notebook.owner, "alice@example.com");

    const manifest = async (name: string) =>
      parseToml(await Deno.readTextFile(`${s.dir}/notebooks/${name}/notebook.toml`)) as Record<
        string,
        unknown
      >;
    assert.equal(
      (await manifest("alice-nb")).owner,
      "alice@example.com",
      "owner stamped in notebook.toml",
    );
    assert.equal((await manifest("bob-nb")).owner, "bob@example.com");
    assert.equal((await manifest("legacy")).owner, undefined, "no header: no owner");

    const discover = async (headers: Record<string, string>) => {
      const r = await s.api("GET", "/v1/notebooks/discover", undefined, headers);
      assert.equal(r.status, 200);
      return r.body.notebooks.map((n: any) => n.path).sort();
    };
    assert.deepEqual(await discover(as("alice@example.com")), ["alice-nb", "legacy"]);
    assert.deepEqual(await discover(as("bob@example.com")), ["bob-nb", "legacy"]);
    assert.deepEqual(await discover(as("carol@example.com")), ["legacy"]);
    assert.deepEqual(await discover({}), ["legacy"], "anonymous sees only unowned notebooks");

    // Bob may open Alice's notebook by its path (a shared link) ...
    let r = await s.api("POST", "/v1/notebooks/open", { path: "alice-nb" }, as("bob@example.com"));
    assert.equal(r.status, 200);
    assert.equal(r.body.notebook.owner, "alice@example.com");
    // ... but not delete it, by session or by path: it answers as if it did not exist.
    r = await s.api("DELETE", `/v1/notebooks/${alice.sessionId}`, undefined, as("bob@example.com"));
    assert.equal(r.status, 404, JSON.stringify(r.body));
    r = await s.api(
      "POST",
      "/v1/notebooks/delete-by-path",
      { path: "alice-nb" },
      as("bob@example.com"),
    );
    assert.equal(r.status, 404);
    assert.match(r.body.error.message, /no such notebook/);
    r = await s.api("POST", "/v1/notebooks/delete-by-path", { path: "alice-nb" }, {});
    assert.equal(r.status, 404, "anonymous cannot delete an owned notebook either");
    await Deno.stat(`${s.dir}/notebooks/alice-nb/notebook.toml`);

    // Unowned notebooks stay deletable by everyone; owners delete their own.
    r = await s.api(
      "POST",
      "/v1/notebooks/delete-by-path",
      { path: "legacy" },
      as("bob@example.com"),
    );
    assert.equal(r.status, 200);
    r = await s.api(
      "DELETE",
      `/v1/notebooks/${alice.sessionId}`,
      undefined,
      as("alice@example.com"),
    );
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await assert.rejects(Deno.stat(`${s.dir}/notebooks/alice-nb`), Deno.errors.NotFound);
    assert.deepEqual(await discover(as("alice@example.com")), []);
  } finally {
    await s.close();
  }
});
